using TorchSharp;
using Workbook.Convnets;
using static TorchSharp.torch;

namespace Workbook.Tests.Convnets;

/// <summary>IoU against hand-worked values and counted pixels; greedy NMS against hand-worked examples.</summary>
public sealed class BoxesTests
{
    [Theory]
    [InlineData(0, 0, 2, 2, 1, 1, 3, 3, 1.0 / 7)]        // overlap 1, union 4 + 4 - 1
    [InlineData(0, 0, 4, 4, 1, 1, 3, 3, 4.0 / 16)]       // nested
    [InlineData(0, 0, 1, 1, 2, 2, 3, 3, 0.0)]            // disjoint
    [InlineData(0, 0, 2, 2, 2, 0, 4, 2, 0.0)]            // touching along an edge
    [InlineData(1, 2, 5, 7, 1, 2, 5, 7, 1.0)]            // identical
    [InlineData(0, 0, 4, 2, 2, 1, 6, 5, 2.0 / 22)]       // overlap 2 x 1, union 8 + 16 - 2
    [InlineData(0.5, 0.5, 2.5, 1.5, 1, 0, 2, 3, 0.25)]   // overlap 1 x 1, union 2 + 3 - 1
    [InlineData(3, 3, 3, 3, 3, 3, 3, 3, 0.0)]            // both empty: 0, not NaN
    public void IouMatchesHandWorkedValues(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2, double expected)
    {
        var a = new Box(ax1, ay1, ax2, ay2);
        var b = new Box(bx1, by1, bx2, by2);
        Assert.Equal(expected, Boxes.Iou(a, b), 12);
        Assert.Equal(expected, Boxes.Iou(b, a), 12);
    }

    [Fact]
    public void FromCornerIsTheNotesXywhFormat()
    {
        Assert.Equal(new Box(2, 3, 7, 5), Box.FromCorner(2, 3, 5, 2));
        Assert.Equal(10, Box.FromCorner(2, 3, 5, 2).Area);
    }

    [Fact]
    public void IouOfIntegerBoxesEqualsCountedPixels()
    {
        var random = new Random(3);
        for (var trial = 0; trial < 300; trial++)
        {
            var a = RandomBox(random);
            var b = RandomBox(random);
            int both = 0, either = 0;
            for (var y = 0; y < 20; y++)
            {
                for (var x = 0; x < 20; x++)
                {
                    bool inA = x >= a.X1 && x < a.X2 && y >= a.Y1 && y < a.Y2, inB = x >= b.X1 && x < b.X2 && y >= b.Y1 && y < b.Y2;
                    both += inA && inB ? 1 : 0;
                    either += inA || inB ? 1 : 0;
                }
            }
            Assert.Equal((double)both / either, Boxes.Iou(a, b), 12);
        }
    }

    [Fact]
    public void PairwiseAndRowIouAgreeWithTheScalarIou()
    {
        using var scope = NewDisposeScope();
        var random = new Random(4);
        var a = Enumerable.Range(0, 30).Select(_ => RandomBox(random)).ToList();
        var b = Enumerable.Range(0, 20).Select(_ => RandomBox(random)).ToList();
        var pairwise = Boxes.PairwiseIou(AsTensor(a), AsTensor(b));                 // [30, 20]
        Assert.Equal(new long[] { 30, 20 }, pairwise.shape);
        for (var i = 0; i < a.Count; i++)
        {
            for (var j = 0; j < b.Count; j++)
            {
                Assert.Equal(Boxes.Iou(a[i], b[j]), pairwise[i, j].item<double>(), 12);
            }
        }
        var rows = Boxes.RowIou(AsTensor(a.Take(20)), AsTensor(b)).data<double>().ToArray();
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(Boxes.Iou(a[i], b[i]), rows[i], 12));
    }

    [Fact]
    public void NmsKeepsTheHandWorkedBoxes()
    {
        // Box 0 (0.9) suppresses 1 and 2 (IoU 12/20 = 0.6 each); box 3 is apart; box 4 overlaps 3 by exactly 6/12 = 0.5,
        // which is not above 0.5 (kept) but above 0.4 (suppressed); box 5 overlaps every kept box by at most 4/37.
        var boxes = new[] { new Box(1, 1, 5, 5), new Box(2, 1, 6, 5), new Box(1, 2, 5, 6), new Box(7, 6, 10, 9), new Box(7, 7, 10, 10), new Box(3, 3, 8, 8) };
        var scores = new[] { 0.9, 0.8, 0.7, 0.75, 0.6, 0.5 };
        Assert.Equal(0.6, Boxes.Iou(boxes[0], boxes[1]), 12);
        Assert.Equal(0.5, Boxes.Iou(boxes[3], boxes[4]), 12);
        Assert.Equal(new[] { 0, 3, 4, 5 }, Boxes.NonMaxSuppression(boxes, scores, 0.5));
        Assert.Equal(new[] { 0, 3, 5 }, Boxes.NonMaxSuppression(boxes, scores, 0.4));
        Assert.Equal(new[] { 0, 1, 3, 2, 4, 5 }, Boxes.NonMaxSuppression(boxes, scores, 1.0));  // nothing is above IoU 1: all, by score
    }

    [Fact]
    public void NmsIsGreedyInScoreOrder()
    {
        // A chain: b overlaps a and c by 0.6, a and c overlap by 1/3 (under the threshold 0.4). Greedy NMS takes b (the best) and drops both
        // neighbours; if a were best it would drop b and keep c.
        var a = new Box(0, 0, 4, 4);
        var b = new Box(1, 0, 5, 4);
        var c = new Box(2, 0, 6, 4);
        Assert.Equal(new[] { 1 }, Boxes.NonMaxSuppression(new[] { a, b, c }, new[] { 0.5, 0.9, 0.6 }, 0.4));
        Assert.Equal(new[] { 0, 2 }, Boxes.NonMaxSuppression(new[] { a, b, c }, new[] { 0.9, 0.5, 0.6 }, 0.4));
    }

    [Fact]
    public void NmsUsesThePluggedIou()
    {
        var boxes = new[] { new Box(0, 0, 2, 2), new Box(0, 0, 2, 2) };
        Assert.Equal(new[] { 0 }, Boxes.NonMaxSuppression(boxes, new[] { 0.9, 0.8 }, 0.5));
        Assert.Equal(new[] { 0, 1 }, Boxes.NonMaxSuppression(boxes, new[] { 0.9, 0.8 }, 0.5, (_, _) => 0.0));
    }

    // (IoU, GIoU) written from the definition: C is the smallest box around both.
    private static (double Iou, double Giou) Overlap(Box a, Box b, bool enclosingAsUnion = false)
    {
        var iou = Boxes.Iou(a, b);
        var c = (Math.Max(a.X2, b.X2) - Math.Min(a.X1, b.X1)) * (Math.Max(a.Y2, b.Y2) - Math.Min(a.Y1, b.Y1));
        var union = a.Area + b.Area - Boxes.Intersection(a, b);
        return (iou, c > 0 ? iou - (c - (enclosingAsUnion ? a.Area + b.Area : union)) / c : iou);
    }

    [Fact]
    public void TheOverlapExerciseAcceptsTheDefinitionAndNamesAWrongHalf()
    {
        Assert.True(VisionExercises.CheckOverlap((a, b) => Overlap(a, b)).Passed);

        var noIntersection = VisionExercises.CheckOverlap((a, b) => (Boxes.Intersection(a, b) / Math.Max(1e-12, a.Area + b.Area), Overlap(a, b).Giou));
        Assert.False(noIntersection.Passed);
        Assert.StartsWith("case 1 of 10: for input ((0, 0, 2, 2), (1, 1, 3, 3)) expected (0.142857, -0.0793651) but your function returned (0.125, -0.0793651)", noIntersection.Message);

        var plainIou = VisionExercises.CheckOverlap((a, b) => (Boxes.Iou(a, b), Boxes.Iou(a, b)));   // GIoU's penalty left out
        Assert.False(plainIou.Passed);
        Assert.Contains("case 1 of 10", plainIou.Message);

        var sumAsUnion = VisionExercises.CheckOverlap((a, b) => Overlap(a, b, enclosingAsUnion: true));   // the union counted twice where boxes overlap
        Assert.False(sumAsUnion.Passed);

        var plugged = VisionExercises.PlugOverlap((_, _) => throw new NotImplementedException());
        Assert.Equal(0.25, plugged.Function(new Box(0, 0, 4, 4), new Box(1, 1, 3, 3)).Iou, 12);
        Assert.Equal(-7.0 / 9, plugged.Function(new Box(0, 0, 1, 1), new Box(2, 2, 3, 3)).Giou, 12);   // disjoint: IoU 0, GIoU < 0
        Assert.Equal(2, plugged.ReferenceCalls);
    }

    [Fact]
    public void OutlineDrawsTheBoxEdges()
    {
        using var scope = NewDisposeScope();
        var drawn = Boxes.Outline(zeros(8, 8), new Box(2, 1, 6, 4), 1.0);            // columns 2..5, rows 1..3
        Assert.Equal(2 * 4 + 2 * 1, drawn.sum().item<float>());                       // top + bottom rows of 4, one middle row's two ends
        Assert.Equal(1, drawn[1, 2].item<float>());
        Assert.Equal(1, drawn[3, 5].item<float>());
        Assert.Equal(0, drawn[2, 3].item<float>());
    }

    private static Box RandomBox(Random random)
    {
        int x = random.Next(0, 12), y = random.Next(0, 12);
        return new Box(x, y, x + random.Next(1, 8), y + random.Next(1, 8));
    }

    private static Tensor AsTensor(IEnumerable<Box> boxes) =>
        tensor(boxes.SelectMany(b => new[] { b.X1, b.Y1, b.X2, b.Y2 }).ToArray()).view(-1, 4);
}
