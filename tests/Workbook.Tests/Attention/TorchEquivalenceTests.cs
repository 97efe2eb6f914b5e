using TorchSharp;
using Workbook.Attention;
using static TorchSharp.torch;
using static Workbook.Tests.Attention.TestTensors;

namespace Workbook.Tests.Attention;

/// <summary>Our attention against TorchSharp's own: same inputs and weights, same numbers (float64, tolerance 1e-10).</summary>
public sealed class TorchEquivalenceTests
{
    private const double Tolerance = 1e-10;

    [Fact]
    public void ScaledDotProductAttentionEqualsTorchWithoutMask()
    {
        manual_seed(10);
        using var q = Random64(2, 3, 5, 8);   // [B, H, Tq, d]
        using var k = Random64(2, 3, 7, 8);
        using var v = Random64(2, 3, 7, 4);
        using var expected = nn.functional.scaled_dot_product_attention(q, k, v);
        using var ours = DotProductAttention.Attend(q, k, v);
        using var fast = DotProductAttention.Context(q, k, v);
        Close(expected, ours.Context, Tolerance);
        Close(expected, fast, Tolerance);
    }

    [Fact]
    public void ScaledDotProductAttentionEqualsTorchWithCausalMask()
    {
        manual_seed(11);
        using var q = Random64(2, 3, 6, 8);
        using var k = Random64(2, 3, 6, 8);
        using var v = Random64(2, 3, 6, 4);
        using var expected = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        using var ours = DotProductAttention.Attend(q, k, v, causal: true);
        using var fast = DotProductAttention.Context(q, k, v, causal: true);
        using var viaMask = DotProductAttention.Attend(q, k, v, Masks.Causal(6, 6));
        Close(expected, ours.Context, Tolerance);
        Close(expected, fast, Tolerance);
        Close(expected, viaMask.Context, Tolerance);
    }

    [Fact]
    public void ScaledDotProductAttentionEqualsTorchWithPaddingMask()
    {
        manual_seed(12);
        using var q = Random64(3, 5, 8);
        using var k = Random64(3, 6, 8);
        using var v = Random64(3, 6, 4);
        using var keep = Masks.Padding(new long[] { 6, 2, 4 }, 6);        // [B, 1, Tk], true = attend (torch's bool convention too)
        using var expected = nn.functional.scaled_dot_product_attention(q, k, v, keep);
        using var ours = DotProductAttention.Attend(q, k, v, keep);
        using var fast = DotProductAttention.Context(q, k, v, keep);
        using var pooled = AttentionPooling.Attend(new ScaledDotProductScore(), q, k, v, keep);
        Close(expected, ours.Context, Tolerance);
        Close(expected, fast, Tolerance);
        Close(expected, pooled.Context, Tolerance);
    }

    [Fact]
    public void BlockedFastPathEqualsTorchWithMasksAndGivesZerosForFullyMaskedRows()
    {
        manual_seed(16);
        using var q = Random64(3, 2, 9, 8);                                   // [B, H, Tq, d]
        using var k = Random64(3, 2, 9, 8);
        using var v = Random64(3, 2, 9, 4);
        using var padding = Masks.Padding(new long[] { 9, 4, 6 }, 9).unsqueeze(1); // [B, 1, 1, Tk]
        using var both = Masks.Combine(padding, Masks.Causal(9, 9))!;         // [B, 1, Tq, Tk]
        using var noGrad = no_grad();
        foreach (var mask in new Tensor?[] { null, padding, both })
        {
            using var expected = nn.functional.scaled_dot_product_attention(q, k, v, mask);
            using var blocked = DotProductAttention.Context(q, k, v, mask, blockElements: 40);  // blocks of 2 query rows
            Close(expected, blocked, Tolerance);
        }
        using var none = Masks.Padding(new long[] { 9, 0, 6 }, 9).unsqueeze(1); // sequence 1: nothing to attend to
        using var zerosRow = DotProductAttention.Context(q, k, v, none, blockElements: 40);
        Assert.Equal(0.0, zerosRow[1].abs().max().item<double>());
        using var reference = DotProductAttention.Attend(q, k, v, none);
        Close(reference.Context, zerosRow, Tolerance);
    }

    [Fact]
    public void ScaledDotProductAttentionGradientsEqualTorch()
    {
        manual_seed(13);
        using var q0 = Random64(2, 2, 5, 8);
        using var k0 = Random64(2, 2, 5, 8);
        using var v0 = Random64(2, 2, 5, 3);
        using var target = Random64(2, 2, 5, 3);
        var (qa, ka, va) = (q0.clone().requires_grad_(), k0.clone().requires_grad_(), v0.clone().requires_grad_());
        var (qb, kb, vb) = (q0.clone().requires_grad_(), k0.clone().requires_grad_(), v0.clone().requires_grad_());
        using (var expected = nn.functional.scaled_dot_product_attention(qa, ka, va, is_casual: true))
        using (var loss = (expected * target).sum()) loss.backward();
        using (var ours = DotProductAttention.Context(qb, kb, vb, causal: true))
        using (var loss = (ours * target).sum()) loss.backward();
        Close(qa.grad!, qb.grad!, Tolerance);
        Close(ka.grad!, kb.grad!, Tolerance);
        Close(va.grad!, vb.grad!, Tolerance);
    }

    private static (MultiHeadAttention Ours, TorchSharp.Modules.MultiheadAttention Torch) Pair(long e, long h)
    {
        var reference = nn.MultiheadAttention(e, h);
        reference.to(ScalarType.Float64);
        using (no_grad())
        {
            foreach (var (_, p) in reference.named_parameters()) p.normal_(0, 0.3);  // non-zero biases too
        }
        var ours = new MultiHeadAttention(e, h);
        ours.to(ScalarType.Float64);
        ours.CopyFrom(reference);
        return (ours, reference);
    }

    [Fact]
    public void MultiHeadAttentionEqualsTorchMultiheadAttentionWithGradients()
    {
        manual_seed(14);
        const long e = 12, h = 3, b = 2, tq = 4, tk = 6;
        var (ours, torchMha) = Pair(e, h);
        using var query0 = Random64(b, tq, e);
        using var memory0 = Random64(b, tk, e);
        using var target = Random64(b, tq, e);

        var qOurs = query0.clone().requires_grad_();
        var mOurs = memory0.clone().requires_grad_();
        using var result = ours.Attend(qOurs, mOurs, mOurs);
        using (var loss = (result.Output * target).sum()) loss.backward();

        var qTorch = query0.transpose(0, 1).clone().requires_grad_();       // torch's layout: [T, B, E]
        var mTorch = memory0.transpose(0, 1).clone().requires_grad_();
        var (output, averaged) = torchMha.call(qTorch, mTorch, mTorch);
        using (var loss = (output.transpose(0, 1) * target).sum()) loss.backward();

        Close(output.transpose(0, 1), result.Output, Tolerance);
        using var meanOverHeads = result.Weights.mean(new long[] { 1 });      // torch averages the heads' weights
        Close(averaged, meanOverHeads, Tolerance);
        Close(qTorch.grad!.transpose(0, 1), qOurs.grad!, Tolerance);
        Close(mTorch.grad!.transpose(0, 1), mOurs.grad!, Tolerance);

        var grads = torchMha.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        var inGrad = grads["in_proj_weight"].chunk(3, 0);
        Close(inGrad[0], ours.WQ.weight!.grad!, Tolerance);
        Close(inGrad[1], ours.WK.weight!.grad!, Tolerance);
        Close(inGrad[2], ours.WV.weight!.grad!, Tolerance);
        Close(grads["out_proj.weight"], ours.WO.weight!.grad!, Tolerance);
        var biasGrad = grads["in_proj_bias"].chunk(3, 0);
        Close(biasGrad[0], ours.WQ.bias!.grad!, Tolerance);
        Close(biasGrad[2], ours.WV.bias!.grad!, Tolerance);
        Close(grads["out_proj.bias"], ours.WO.bias!.grad!, Tolerance);
    }

    [Fact]
    public void MultiHeadAttentionEqualsTorchWithCausalAndPaddingMasks()
    {
        manual_seed(15);
        const long e = 8, h = 2, b = 3, t = 5;
        var (ours, torchMha) = Pair(e, h);
        using var x = Random64(b, t, e);
        var lengths = new long[] { 5, 3, 4 };
        using var padding = Masks.Padding(lengths, t);                                // [B, 1, T] true = attend
        using var causal = Masks.Causal(t, t);                                        // [T, T]
        using var result = ours.Attend(x, x, x, padding, causal: true);

        // torch's key_padding_mask is the other way round (true = blocked). For attn_mask we pass the additive
        // float form (0 / -inf): TorchSharp 0.107's MultiheadAttention does not give PyTorch's result for a Bool attn_mask.
        using var keyPadding = padding.squeeze(1).logical_not();                     // [B, T]
        using var future = zeros(t, t, dtype: ScalarType.Float64).masked_fill(causal.logical_not(), double.NegativeInfinity); // [T, T]
        using var xt = x.transpose(0, 1);
        var (output, averaged) = torchMha.call(xt, xt, xt, keyPadding, true, future);
        Close(output.transpose(0, 1), result.Output, Tolerance);
        using var meanOverHeads = result.Weights.mean(new long[] { 1 });
        Close(averaged, meanOverHeads, Tolerance);
        Assert.Equal(0.0, At(result.Weights, 1, 1, 4, 3));                           // padded key of sequence 1
        Assert.Equal(0.0, At(result.Weights, 0, 0, 1, 2));                           // a future key
    }
}
