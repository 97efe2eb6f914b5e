using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>An axis-aligned box (x1, y1) to (x2, y2) with x1 ≤ x2 and y1 ≤ y2 (the corners format torchvision's box ops use).</summary>
/// <param name="X1">left edge.</param>
/// <param name="Y1">top edge.</param>
/// <param name="X2">right edge.</param>
/// <param name="Y2">bottom edge.</param>
public readonly record struct Box(double X1, double Y1, double X2, double Y2)
{
    /// <summary>A box from its left-top corner and its width and height (the notes' (x, y, w, h), Notes §5.2.1.1).</summary>
    public static Box FromCorner(double x, double y, double width, double height) => new(x, y, x + width, y + height);

    /// <summary>Width times height (0 for a degenerate box).</summary>
    public double Area => Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);

    /// <inheritdoc />
    public override string ToString() => $"({X1:0.##}, {Y1:0.##}, {X2:0.##}, {Y2:0.##})";
}

/// <summary>
/// Intersection over union and greedy non-maximum suppression (Notes §5.2.1.1 and §5.2.2), on <see cref="Box"/>es and on
/// box tensors [n, 4] in (x1, y1, x2, y2) format.
/// </summary>
public static class Boxes
{
    /// <summary>The area both boxes cover.</summary>
    public static double Intersection(Box a, Box b) =>
        Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1)) * Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));

    /// <summary>Intersection over union: the shared area over the area either box covers (0 when both are empty).</summary>
    public static double Iou(Box a, Box b)
    {
        var intersection = Intersection(a, b);
        var union = a.Area + b.Area - intersection;
        return union > 0 ? intersection / union : 0.0;
    }

    /// <summary>The IoU of every pair: boxes a [n, 4] and b [m, 4] give [n, m] (as torchvision.ops.box_iou).</summary>
    public static Tensor PairwiseIou(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var areaA = Area(a).unsqueeze(1);                                           // [n, 1]
        var areaB = Area(b).unsqueeze(0);                                           // [1, m]
        var leftTop = maximum(a[.., TensorIndex.None, ..2], b[TensorIndex.None, .., ..2]);     // [n, m, 2]
        var rightBottom = minimum(a[.., TensorIndex.None, 2..], b[TensorIndex.None, .., 2..]); // [n, m, 2]
        var sides = (rightBottom - leftTop).clamp_min(0);                           // [n, m, 2]
        var intersection = sides[.., .., 0] * sides[.., .., 1];                     // [n, m]
        var union = areaA + areaB - intersection;
        return where(union.gt(0), intersection / union.clamp_min(1e-12), zeros_like(union)).MoveToOuterDisposeScope();
    }

    /// <summary>The IoU of matching rows: boxes a [n, 4] and b [n, 4] give [n].</summary>
    public static Tensor RowIou(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var leftTop = maximum(a[.., ..2], b[.., ..2]);                              // [n, 2]
        var rightBottom = minimum(a[.., 2..], b[.., 2..]);
        var sides = (rightBottom - leftTop).clamp_min(0);
        var intersection = sides[.., 0] * sides[.., 1];                             // [n]
        var union = Area(a) + Area(b) - intersection;
        return where(union.gt(0), intersection / union.clamp_min(1e-12), zeros_like(union)).MoveToOuterDisposeScope();
    }

    /// <summary>Box areas [n] of boxes [n, 4].</summary>
    public static Tensor Area(Tensor boxes) =>
        (boxes[.., 2] - boxes[.., 0]).clamp_min(0) * (boxes[.., 3] - boxes[.., 1]).clamp_min(0);

    /// <summary>
    /// Greedy non-maximum suppression: take the highest-scoring box left, drop every other box whose IoU with it exceeds
    /// <paramref name="threshold"/>, repeat. Returns the kept indices, highest score first (as torchvision.ops.nms; equal
    /// scores keep the lower index first). <paramref name="iou"/> replaces the IoU (an exercise plugs its own in).
    /// </summary>
    public static IReadOnlyList<int> NonMaxSuppression(IReadOnlyList<Box> boxes, IReadOnlyList<double> scores, double threshold,
        Func<Box, Box, double>? iou = null)
    {
        if (boxes.Count != scores.Count)
        {
            throw new ArgumentException($"{boxes.Count} boxes but {scores.Count} scores");
        }
        iou ??= Iou;
        var order = Enumerable.Range(0, boxes.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
        var suppressed = new bool[boxes.Count];
        var kept = new List<int>();
        foreach (var i in order)
        {
            if (suppressed[i])
            {
                continue;
            }
            kept.Add(i);
            foreach (var j in order)
            {
                if (!suppressed[j] && j != i && !kept.Contains(j) && iou(boxes[i], boxes[j]) > threshold)
                {
                    suppressed[j] = true;
                }
            }
        }
        return kept;
    }

    /// <summary>
    /// A copy of the image [H, W] with the outline of <paramref name="box"/> (corners rounded to whole pixels, clipped to
    /// the image) set to <paramref name="value"/>: a box drawn into a heatmap.
    /// </summary>
    public static Tensor Outline(Tensor image, Box box, double value)
    {
        var copy = image.detach().clone();
        long h = copy.shape[0], w = copy.shape[1];
        long x1 = Math.Clamp((long)Math.Round(box.X1), 0, w - 1), x2 = Math.Clamp((long)Math.Round(box.X2) - 1, 0, w - 1);
        long y1 = Math.Clamp((long)Math.Round(box.Y1), 0, h - 1), y2 = Math.Clamp((long)Math.Round(box.Y2) - 1, 0, h - 1);
        using var _ = no_grad();
        copy[y1, TensorIndex.Slice(x1, x2 + 1)] = value;                           // top and bottom edges
        copy[y2, TensorIndex.Slice(x1, x2 + 1)] = value;
        copy[TensorIndex.Slice(y1, y2 + 1), x1] = value;                           // left and right edges
        copy[TensorIndex.Slice(y1, y2 + 1), x2] = value;
        return copy;
    }

    /// <summary>A box's outline as a closed polyline (for <c>Plot.Line</c>).</summary>
    public static (double[] X, double[] Y) Polyline(Box box) =>
        (new[] { box.X1, box.X2, box.X2, box.X1, box.X1 }, new[] { box.Y1, box.Y1, box.Y2, box.Y2, box.Y1 });

    /// <summary>The rows of a box tensor [n, 4] as <see cref="Box"/>es.</summary>
    public static IReadOnlyList<Box> ToList(Tensor boxes)
    {
        var v = boxes.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        return Enumerable.Range(0, v.Length / 4).Select(i => new Box(v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3])).ToList();
    }
}
