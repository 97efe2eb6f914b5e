using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;
using static Workbook.Tests.Attention.TestTensors;

namespace Workbook.Tests.Attention;

public sealed class MultiHeadAttentionTests
{
    [Fact]
    public void HeadsThatDoNotDivideTheWidthAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new MultiHeadAttention(10, 3));
        Assert.Contains("10", error.Message);
        Assert.Contains("3", error.Message);
        Assert.Throws<ArgumentException>(() => MultiHeadAttention.WithRelativePositions(10, 4, 2));
    }

    [Fact]
    public void WrongInputAndMaskShapesAreReportedWithTheShapes()
    {
        using var attention = new MultiHeadAttention(8, 2);
        using var x = randn(2, 5, 8);
        using var wrongWidth = randn(2, 5, 6);
        var error = Assert.Throws<ArgumentException>(() => attention.SelfAttend(wrongWidth));
        Assert.Contains("[2, 5, 6]", error.Message);

        using var otherBatch = randn(3, 4, 8);
        error = Assert.Throws<ArgumentException>(() => attention.CrossAttend(x, otherBatch));
        Assert.Contains("[2, 5, 8]", error.Message);
        Assert.Contains("[3, 4, 8]", error.Message);

        using var badMask = ones(2, 5, 4, dtype: ScalarType.Bool);
        error = Assert.Throws<ArgumentException>(() => attention.SelfAttend(x, badMask));
        Assert.Contains("[2, 5, 4]", error.Message);
        Assert.Contains("[2, 2, 5, 5]", error.Message);
    }

    [Fact]
    public void SelfAndCrossAttentionGiveOneOutputPerQueryAndPerHeadWeights()
    {
        manual_seed(30);
        using var attention = new MultiHeadAttention(12, 4) { RecordWeights = true };
        using var decoder = randn(2, 3, 12);
        using var encoder = randn(2, 7, 12);
        using var cross = attention.Attend(decoder, encoder, encoder);
        Assert.Equal(new[] { 2L, 3L, 12L }, cross.Output.shape);
        Assert.Equal(new[] { 2L, 4L, 3L, 7L }, cross.Weights.shape);
        Close(cross.Weights, attention.LastWeights!, 0);
        using var sums = cross.Weights.sum(-1);
        Assert.All(Values(sums), s => Assert.Equal(1.0, s, 5));
        // the forward call is the same function
        using var viaForward = attention.call(decoder, encoder, encoder, null);
        Close(cross.Output, viaForward, 0);
    }

    [Fact]
    public void TheFusedKernelAndTheWrittenOutPathGiveTheSameOutputsAndGradients()
    {
        // The module call runs scaled_dot_product_attention unless RecordWeights is on; in float64 both paths must
        // agree to rounding, in the output and in the gradients of the inputs and of every parameter.
        manual_seed(34);
        using var attention = new MultiHeadAttention(12, 3);
        attention.to(ScalarType.Float64);
        using var x = randn(new long[] { 2, 5, 12 }, dtype: ScalarType.Float64);
        using var memory = randn(new long[] { 2, 7, 12 }, dtype: ScalarType.Float64);
        using var padding = rand(2, 1, 1, 7) > 0.3;   // [B, 1, 1, Tk]
        padding[.., .., .., 0] = tensor(true);         // every query keeps at least one key
        using var selfPadding = padding[.., .., .., ..5];
        using var square = rand(5, 7) > 0.2;           // [Tq, Tk]
        square[.., 0] = tensor(true);
        var cases = new (string Name, Func<Tensor, Tensor> Run)[]
        {
            ("causal self-attention", q => attention.SelfAttend(q, causal: true)),
            ("self-attention with a padding mask", q => attention.SelfAttend(q, selfPadding)),
            ("cross-attention", q => attention.CrossAttend(q, memory)),
            ("cross-attention with a padding mask", q => attention.CrossAttend(q, memory, padding)),
            ("the module call with a [Tq, Tk] mask", q => attention.call(q, memory, memory, square)),
        };
        foreach (var (name, run) in cases)
        {
            var previous = attention.LastWeights;
            var (fusedOutput, fusedGradients) = OutputAndGradients(attention, x, run, record: false);
            Assert.Same(previous, attention.LastWeights);      // the fused kernel records nothing
            var (writtenOutput, writtenGradients) = OutputAndGradients(attention, x, run, record: true);
            Assert.NotSame(previous, attention.LastWeights);   // the written-out path keeps the weights
            Assert.True((fusedOutput - writtenOutput).abs().max().item<double>() < 1e-12, name + ": outputs differ");
            Assert.Equal(writtenGradients.Length, fusedGradients.Length);
            for (var i = 0; i < fusedGradients.Length; i++)
            {
                Assert.True((fusedGradients[i] - writtenGradients[i]).abs().max().item<double>() < 1e-12, $"{name}: gradient {i} differs");
            }
        }
    }

    // The output of run(x) with RecordWeights set to record, and the gradients of sum(output · fixed weights) with
    // respect to x and every parameter.
    private static (Tensor Output, Tensor[] Gradients) OutputAndGradients(MultiHeadAttention attention, Tensor x, Func<Tensor, Tensor> run, bool record)
    {
        attention.RecordWeights = record;
        attention.zero_grad();
        var input = x.detach().clone().requires_grad_(true);
        var output = run(input);
        using var weights = arange(output.numel(), dtype: ScalarType.Float64).reshape(output.shape).cos();
        (output * weights).sum().backward();
        var gradients = new[] { input.grad! }.Concat(attention.parameters().Select(p => p.grad!)).Select(g => g.clone()).ToArray();
        attention.RecordWeights = false;
        return (output.detach(), gradients);
    }

    [Fact]
    public void PaddedKeysGetNoWeightInAnyHeadAndChangingThemDoesNotChangeTheOutput()
    {
        manual_seed(31);
        using var attention = new MultiHeadAttention(8, 2);
        using var x = randn(2, 6, 8);
        using var keep = Masks.Padding(new long[] { 6, 3 }, 6);              // [B, 1, T]
        using var y = attention.SelfAttend(x, keep);
        using var changed = x.clone();
        using (no_grad()) changed[1].narrow(0, 3, 3).normal_();               // change the padding of sequence 1
        using var y2 = attention.SelfAttend(changed, keep);
        Close(y[1].narrow(0, 0, 3), y2[1].narrow(0, 0, 3), 1e-6);
    }

    [Fact]
    public void GenericScoreFunctionsDropIntoTheHeads()
    {
        manual_seed(32);
        using var scaled = new MultiHeadAttention(8, 2);
        using var viaScore = new MultiHeadAttention(8, 2, new ScaledDotProductScore());
        viaScore.load_state_dict(scaled.state_dict());
        using var x = randn(2, 5, 8);
        using var a = scaled.SelfAttend(x, causal: true);
        using var b = viaScore.SelfAttend(x, causal: true);
        Close(a, b, 1e-6);
        using var additive = new MultiHeadAttention(8, 2, new AdditiveScore(4, 4, 6));
        using var c = additive.SelfAttend(x);
        Assert.Equal(new[] { 2L, 5L, 8L }, c.shape);
        Assert.Contains(additive.named_parameters(), p => p.name.StartsWith("score."));
    }
}
