using TorchSharp;
using Workbook.Attention;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Transformers;

public class BlockAgreementTests
{
    private static void Copy(Tensor target, Tensor source)
    {
        using var noGrad = no_grad();
        target.copy_(source);
    }

    // TorchSharp packs [W^Q; W^K; W^V] into in_proj_weight [3E, E].
    private static void CopyAttention(MultiHeadAttention inner, Dictionary<string, TorchSharp.Modules.Parameter> p, string prefix, int width)
    {
        Copy(inner.WQ.weight!, p[$"{prefix}.in_proj_weight"][..width]);
        Copy(inner.WQ.bias!, p[$"{prefix}.in_proj_bias"][..width]);
        Copy(inner.WK.weight!, p[$"{prefix}.in_proj_weight"][width..(2 * width)]);
        Copy(inner.WK.bias!, p[$"{prefix}.in_proj_bias"][width..(2 * width)]);
        Copy(inner.WV.weight!, p[$"{prefix}.in_proj_weight"][(2 * width)..]);
        Copy(inner.WV.bias!, p[$"{prefix}.in_proj_bias"][(2 * width)..]);
        Copy(inner.WO.weight!, p[$"{prefix}.out_proj.weight"]);
        Copy(inner.WO.bias!, p[$"{prefix}.out_proj.bias"]);
    }

    private static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<double>();

    [Fact]
    public void LayerNormEqualsTorchLayerNorm()
    {
        manual_seed(1);
        var x = randn(new long[] { 3, 5, 16 }, dtype: ScalarType.Float64) * 3 + 2;
        var reference = nn.LayerNorm(16, dtype: ScalarType.Float64);
        using (no_grad())
        {
            reference.weight!.uniform_(0.5, 1.5);
            reference.bias!.uniform_(-0.5, 0.5);
        }
        foreach (var fused in new[] { false, true })
        {
            var ours = new LayerNormScratch(16, fused: fused, dtype: ScalarType.Float64);
            Copy(ours.Weight, reference.weight!);
            Copy(ours.Bias, reference.bias!);
            Assert.True(MaxAbsDiff(ours.forward(x), reference.forward(x)) < 1e-12);
        }
        // Gradients agree too.
        var xa = x.clone().requires_grad_(true);
        var xb = x.clone().requires_grad_(true);
        var written = new LayerNormScratch(16, dtype: ScalarType.Float64);
        Copy(written.Weight, reference.weight!);
        Copy(written.Bias, reference.bias!);
        (written.forward(xa).sin().sum()).backward();
        (reference.forward(xb).sin().sum()).backward();
        Assert.True(MaxAbsDiff(xa.grad!, xb.grad!) < 1e-10);
        Assert.Throws<ArgumentException>(() => written.forward(randn(2, 8, dtype: ScalarType.Float64)));
    }

    [Fact]
    public void EncoderBlockEqualsTorchTransformerEncoderLayer()
    {
        manual_seed(2);
        const int width = 16, heads = 4, hidden = 32;
        var reference = nn.TransformerEncoderLayer(width, heads, hidden, dropout: 0.0);
        reference.to(ScalarType.Float64).eval();
        var ours = new EncoderBlock(width, heads, 0.0, new BlockConfig(NormPlacement.PostNorm, Activation: Activation.Relu, FeedForwardMultiplier: hidden / width, FusedLayerNorm: false));
        ours.to(ScalarType.Float64).eval();
        var p = reference.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        CopyAttention(ours.Attention, p, "self_attn", width);
        Copy(ours.FeedForward.Expand.weight!, p["linear1.weight"]);
        Copy(ours.FeedForward.Expand.bias!, p["linear1.bias"]);
        Copy(ours.FeedForward.Project.weight!, p["linear2.weight"]);
        Copy(ours.FeedForward.Project.bias!, p["linear2.bias"]);
        Copy(ours.Norm1.Weight, p["norm1.weight"]);
        Copy(ours.Norm1.Bias, p["norm1.bias"]);
        Copy(ours.Norm2.Weight, p["norm2.weight"]);
        Copy(ours.Norm2.Bias, p["norm2.bias"]);

        var x = randn(new long[] { 2, 7, width }, dtype: ScalarType.Float64);
        // TorchSharp's layer takes [time, batch, width].
        var expected = reference.forward(x.transpose(0, 1)).transpose(0, 1);
        Assert.True(MaxAbsDiff(ours.call(x, null), expected) < 1e-10);

        // With padded keys: the last two positions of sequence 1 are padding.
        var padding = zeros(new long[] { 2, 7 }, dtype: ScalarType.Bool);
        padding[1, 5..] = tensor(true);
        var expectedMasked = reference.call(x.transpose(0, 1), null, padding).transpose(0, 1);
        var keep = padding.logical_not().view(2, 1, 1, 7);
        Assert.True(MaxAbsDiff(ours.call(x, keep), expectedMasked) < 1e-10);
    }

    [Fact]
    public void DecoderBlockEqualsTorchTransformerDecoderLayer()
    {
        manual_seed(3);
        const int width = 16, heads = 2, hidden = 64;
        var reference = nn.TransformerDecoderLayer(width, heads, hidden, dropout: 0.0);
        reference.to(ScalarType.Float64).eval();
        var ours = new DecoderBlock(width, heads, 0.0, new BlockConfig(NormPlacement.PostNorm, Activation: Activation.Relu, FeedForwardMultiplier: hidden / width, FusedLayerNorm: false));
        ours.to(ScalarType.Float64).eval();
        var p = reference.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        CopyAttention(ours.SelfAttention, p, "self_attn", width);
        CopyAttention(ours.CrossAttention, p, "multihead_attn", width);
        Copy(ours.FeedForward.Expand.weight!, p["linear1.weight"]);
        Copy(ours.FeedForward.Expand.bias!, p["linear1.bias"]);
        Copy(ours.FeedForward.Project.weight!, p["linear2.weight"]);
        Copy(ours.FeedForward.Project.bias!, p["linear2.bias"]);
        foreach (var (norm, name) in new[] { (ours.Norms[0], "norm1"), (ours.Norms[1], "norm2"), (ours.Norms[2], "norm3") })
        {
            Copy(norm.Weight, p[$"{name}.weight"]);
            Copy(norm.Bias, p[$"{name}.bias"]);
        }
        var y = randn(new long[] { 3, 6, width }, dtype: ScalarType.Float64);
        var memory = randn(new long[] { 3, 9, width }, dtype: ScalarType.Float64);
        var causal = ones(6, 6).triu(1).to(ScalarType.Float64).masked_fill(ones(6, 6).triu(1).to(ScalarType.Bool), double.NegativeInfinity);
        var expected = reference.forward(y.transpose(0, 1), memory.transpose(0, 1), causal, null, null, null).transpose(0, 1);
        Assert.True(MaxAbsDiff(ours.call(y, memory, null), expected) < 1e-10);
    }
}
