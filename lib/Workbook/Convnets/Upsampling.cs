using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>
/// The two upsampling steps of Notes §5.2.3, written out: a transposed convolution that scatters every input pixel's
/// copy of the kernel into the output and sums where copies overlap, and max un-pooling that puts each value back where
/// the matching max pool found it. TorchSharp's twins are conv_transpose2d and max_unpool2d; the unit tests compare.
/// </summary>
public static class Upsampling
{
    /// <summary>
    /// Output side of a transposed convolution on a side of <paramref name="n"/>:
    /// (n − 1)·s − 2p + d·(k − 1) + output_padding + 1, the inverse of the convolution's
    /// ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 (which it undoes exactly when output_padding takes up the floor's remainder).
    /// </summary>
    public static long TransposedOutputSize(long n, long kernel, long stride = 1, long padding = 0, long outputPadding = 0, long dilation = 1)
    {
        if (n < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1 || outputPadding < 0 || outputPadding >= Math.Max(stride, dilation))
        {
            throw new ArgumentException($"transposed convolution out of range: n={n}, k={kernel}, s={stride}, p={padding}, op={outputPadding}, d={dilation}");
        }
        return (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
    }

    /// <summary>
    /// A transposed convolution from its definition: input x [batch, C_in, H, W], weight [C_in, C_out, k, k] (torch's
    /// layout for ConvTranspose2d), optional bias [C_out]. Input pixel (i, j) adds x[c, i, j]·W[c, o, u, v] to output
    /// (s·i + u − p, s·j + v − p); overlapping contributions are summed. Returns [batch, C_out, H', W'].
    /// </summary>
    public static Tensor TransposedConvolution(Tensor x, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], h = x.shape[2], w = x.shape[3], cOut = weight.shape[1], k = weight.shape[2];
        var full = zeros(new[] { batch, cOut, (h - 1) * stride + k, (w - 1) * stride + k }, x.dtype);   // before cropping the padding
        for (long u = 0; u < k; u++)
        {
            for (long v = 0; v < k; v++)
            {
                var contribution = einsum("bchw,co->bohw", x, weight[.., .., u, v]);   // [batch, C_out, H, W]
                full[.., .., TensorIndex.Slice(u, u + stride * (h - 1) + 1, stride), TensorIndex.Slice(v, v + stride * (w - 1) + 1, stride)]
                    .add_(contribution);
            }
        }
        var output = full[.., .., TensorIndex.Slice(padding, full.shape[2] - padding), TensorIndex.Slice(padding, full.shape[3] - padding)];
        if (bias is not null)
        {
            output = output + bias.view(1, -1, 1, 1);
        }
        return output.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Max un-pooling: <paramref name="pooled"/> [batch, C, h, w] back to [batch, C, height, width], each value at the flat
    /// position <paramref name="indices"/> (as max_pool2d_with_indices returns them) and zeros everywhere else.
    /// </summary>
    public static Tensor MaxUnpool(Tensor pooled, Tensor indices, long height, long width)
    {
        using var scope = NewDisposeScope();
        long batch = pooled.shape[0], channels = pooled.shape[1];
        var flat = zeros(new[] { batch, channels, height * width }, pooled.dtype);  // [batch, C, H·W]
        flat = flat.scatter(2, indices.flatten(2), pooled.flatten(2));
        return flat.view(batch, channels, height, width).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// How many kernel copies land on each output pixel of a transposed convolution (all-ones input [1, 1, n, n] and
    /// all-ones kernel): the count the notes' "averaging" would divide by, and which torch's sum does not.
    /// </summary>
    public static Tensor OverlapCounts(long n, long kernel, long stride, long padding = 0)
    {
        using var _ = no_grad();
        return TransposedConvolution(ones(1, 1, n, n), ones(1, 1, kernel, kernel), null, stride, padding)[0, 0];
    }
}
