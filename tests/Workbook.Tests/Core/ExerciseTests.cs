using Workbook.Exercises;
using static TorchSharp.torch;

namespace Workbook.Tests.Core;

public sealed class ExerciseTests
{
    private static IEnumerable<Tensor[]> SoftmaxCases()
    {
        var generator = new TorchSharp.torch.Generator(7);
        return Enumerable.Range(0, 4).Select(i => new[] { randn(new long[] { 2, 3 + i }, dtype: ScalarType.Float64, generator: generator) }).ToList();
    }

    private static Tensor Reference(Tensor[] x) => softmax(x[0], -1);

    [Fact]
    public void CorrectAnswerPassesAllCases()
    {
        var result = Exercise.CheckTensors("softmax", x => { var e = x[0].exp(); return e / e.sum(-1, keepdim: true); }, Reference, SoftmaxCases());

        Assert.True(result.Passed, result.Message);
        Assert.Equal(4, result.CasesChecked);
        Assert.Equal("passed all 4 cases", result.Message);
    }

    [Fact]
    public void WrongValuesAreReportedWithCasePositionAndValues()
    {
        var cases = new List<Tensor[]>
        {
            new[] { tensor(new double[] { 0, 0 }) },
            new[] { tensor(new double[] { 1, 2, 3, 4, 2, 2 }, new long[] { 2, 3 }) },
        };
        // Wrong on purpose: forgets to normalise in row 1 only.
        var result = Exercise.CheckTensors("softmax",
            x => x[0].dim() == 2 ? cat(new[] { softmax(x[0][..1], -1), x[0][1..].exp() / 10 }) : softmax(x[0], -1),
            Reference, cases);

        Assert.False(result.Passed);
        Assert.Equal(2, result.CasesChecked);
        var expected = Math.Exp(4) / (Math.Exp(4) + 2 * Math.Exp(2));
        var got = Math.Exp(4) / 10;
        Assert.StartsWith($"case 2 of 2: largest difference at [1, 0]: expected {expected:F4}, got {got:F4} (|diff| ", result.Message);
        Assert.Contains("> atol 1e-05 + rtol 0.0001 * |expected|", result.Message);
        Assert.Contains("3 of 6 values are off", result.Message);
        Assert.Contains("inputs with shapes [2, 3]", result.Message);
    }

    [Fact]
    public void WrongShapeIsReportedAsSuch()
    {
        var result = Exercise.CheckTensors("sum rows", x => x[0].sum(), x => x[0].sum(-1), SoftmaxCases());

        Assert.False(result.Passed);
        Assert.Equal(1, result.CasesChecked);
        Assert.Equal("case 1 of 4: expected shape [2] but your function returned [] (inputs with shapes [2, 3])", result.Message);
    }

    [Fact]
    public void ThrowingAnswerIsReportedWithTheCase()
    {
        var result = Exercise.CheckTensors("softmax", x => throw new InvalidOperationException("not implemented yet"), Reference, SoftmaxCases());

        Assert.False(result.Passed);
        Assert.StartsWith("case 1 of 4: your function threw InvalidOperationException: not implemented yet", result.Message);
    }

    [Fact]
    public void InPlaceChangesByTheStudentDoNotCorruptTheReference()
    {
        var cases = SoftmaxCases().ToList();
        var before = cases.Select(c => c[0].clone()).ToList();

        var result = Exercise.CheckTensors("softmax", x => { var e = x[0].exp_(); return e.div_(e.sum(-1, keepdim: true)); }, Reference, cases);

        Assert.True(result.Passed, result.Message);
        for (var i = 0; i < cases.Count; i++)
        {
            Assert.True(cases[i][0].allclose(before[i], rtol: 0, atol: 0), $"case {i + 1}'s input was modified");
        }
    }

    [Fact]
    public void NaNWhereANumberIsExpectedFails()
    {
        var result = Exercise.CheckTensors("log", x => x[0].log() * double.NaN, x => x[0].log(), new[] { new[] { tensor(new double[] { 1, 2 }) } });
        Assert.False(result.Passed);
        Assert.Contains("expected 0.0000, got NaN (|diff| NaN > atol 1e-05", result.Message);
    }

    [Fact]
    public void CheckValuesComparesSequencesElementByElement()
    {
        var cases = new[] { ("ab", new[] { 'a', 'b' }), ("xyz", new[] { 'x', 'y', 'z' }) };

        Assert.True(Exercise.CheckValues("chars", (string s) => s.ToCharArray(), cases).Passed);
        var wrong = Exercise.CheckValues("chars", (string s) => s.Reverse().ToArray(), cases);
        Assert.False(wrong.Passed);
        Assert.Equal("case 1 of 2: for input \"ab\" expected [a, b] but your function returned [b, a]", wrong.Message);
    }

    [Fact]
    public void CheckValuesReportsAThrow()
    {
        var result = Exercise.CheckValues("parse", (string s) => int.Parse(s), new[] { ("1", 1), ("x", 0) });
        Assert.False(result.Passed);
        Assert.StartsWith("case 2 of 2: for input \"x\" your function threw FormatException", result.Message);
    }

    [Fact]
    public void CheckNumbersReportsLengthAndLargestDifference()
    {
        var cases = new[] { (new[] { 1.0, 2.0 }, new[] { 2.0, 4.0 }), (new[] { 3.0 }, new[] { 6.0 }) };

        Assert.True(Exercise.CheckNumbers("double", x => x.Select(v => 2 * v).ToArray(), cases).Passed);
        var off = Exercise.CheckNumbers("double", x => x.Select(v => v == 2.0 ? 4.5 : 2 * v).ToArray(), cases);
        Assert.Equal("case 1 of 2: largest difference at [1]: expected 4.0000, got 4.5000 (|diff| 0.5 > atol 1e-06) (input [1, 2])", off.Message);
        var shortAnswer = Exercise.CheckNumbers("double", x => new[] { 2 * x[0] }, cases);
        Assert.Equal("case 1 of 2: for input [1, 2] expected 2 numbers but your function returned 1", shortAnswer.Message);
    }

    [Fact]
    public void APluggedOutcomeSaysWhetherTheStudentsRunMatchedTheReferences()
    {
        var wrong = Plug.In<double, double, double, double>("sum", (a, b, c) => a + b, (a, b, c) => a + b + c);
        for (var i = 0; i < 3; i++)
        {
            wrong.Function(1, 2, 3);
        }
        var worse = wrong.Outcome("greedy mean return", 9.3, 500, higherIsBetter: true, sameWithin: 5);
        Assert.False(worse.AsGoodAsReference);
        Assert.Equal("sum: your function ran inside the library's loop (3 calls). greedy mean return: yours 9.3, the reference's 500: worse than the reference's by 490.7.", worse.ToString());

        var check = Exercise.CheckNumbers("sum", x => new[] { x[0] + x[1] }, new[] { (new[] { 1.0, 2.0, 3.0 }, new[] { 6.0 }) });
        var warned = wrong.CheckedBy(check).Outcome("loss", 0.5, 0.5, higherIsBetter: false);
        Assert.True(warned.AsGoodAsReference);
        Assert.True(warned.FailedItsCheck);
        Assert.Contains("Warning: your function failed its own check (case 1 of 1", warned.ToString());

        var stub = Plug.In<double, double, double, double>("sum", (a, b, c) => throw new NotImplementedException(), (a, b, c) => a + b + c);
        stub.Function(1, 2, 3);
        var notAttempted = stub.Outcome("loss", 0.25, 0.25, higherIsBetter: false);
        Assert.False(notAttempted.RanYours);
        Assert.False(notAttempted.AsGoodAsReference);
        Assert.StartsWith("sum: not attempted yet, so the library's loop used the reference answer (1 calls) and loss = 0.25 is the reference's own", notAttempted.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => stub.Outcome("loss", 1, 1, sameWithin: -1));
    }
}
