using Microsoft.Data.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>One row of a <see cref="ShapeArithmetic.Table"/>: a layer, its input and output shapes, and its parameters.</summary>
/// <param name="Layer">the layer's name.</param>
/// <param name="Operation">what it does (<see cref="LayerSpec.Describe"/>).</param>
/// <param name="Input">input shape of one example.</param>
/// <param name="Output">output shape of one example.</param>
/// <param name="Parameters">learned parameters of the layer.</param>
public sealed record ShapeRow(string Layer, string Operation, FeatureShape Input, FeatureShape Output, long Parameters);

/// <summary>
/// Shape arithmetic of convolution and pooling (Notes §5.1.2): a window of k taps spaced d apart spans d(k - 1) + 1
/// pixels; sliding it in steps of s over n pixels padded by p on each side gives
/// <code>  out = ⌊(n + 2p - d(k - 1) - 1) / s⌋ + 1  </code>
/// positions, torch's formula (floor mode). With s = 1, d = 1 and p = (k - 1)/2 the size is kept ("same" padding).
/// </summary>
public static class ShapeArithmetic
{
    /// <summary>Output length for input length <paramref name="n"/>, kernel k, stride s, padding p and dilation d.</summary>
    public static long OutputSize(long n, int kernel, int stride = 1, int padding = 0, int dilation = 1)
    {
        if (kernel < 1 || stride < 1 || padding < 0 || dilation < 1)
        {
            throw new ArgumentException($"need kernel, stride, dilation >= 1 and padding >= 0, got k {kernel}, s {stride}, p {padding}, d {dilation}");
        }
        var span = (long)dilation * (kernel - 1) + 1;                                // pixels one window covers
        var room = n + 2L * padding - span;                                          // how far the window can slide
        return room < 0 ? 0 : room / stride + 1;
    }

    /// <summary>The shape after all <paramref name="layers"/>, in order.</summary>
    public static FeatureShape Through(FeatureShape input, IEnumerable<LayerSpec> layers) =>
        layers.Aggregate(input, (shape, layer) => layer.OutputShape(shape));

    /// <summary>The total number of learned parameters of <paramref name="layers"/> applied in order to <paramref name="input"/>.</summary>
    public static long ParameterCount(FeatureShape input, IEnumerable<LayerSpec> layers)
    {
        long total = 0;
        var shape = input;
        foreach (var layer in layers)
        {
            total += layer.Parameters(shape);
            shape = layer.OutputShape(shape);
        }
        return total;
    }

    /// <summary>One row per layer: name, operation, input shape, output shape, parameters.</summary>
    public static IReadOnlyList<ShapeRow> Table(FeatureShape input, IEnumerable<LayerSpec> layers)
    {
        var rows = new List<ShapeRow>();
        var shape = input;
        foreach (var layer in layers)
        {
            var output = layer.OutputShape(shape);
            rows.Add(new ShapeRow(layer.Name, layer.Describe(), shape, output, layer.Parameters(shape)));
            shape = output;
        }
        return rows;
    }

    /// <summary>The rows as a DataFrame (layer, operation, input, output, parameters), which a notebook shows as a table.</summary>
    public static DataFrame ToDataFrame(IEnumerable<ShapeRow> rows)
    {
        var list = rows.ToList();
        return new DataFrame(
            new StringDataFrameColumn("layer", list.Select(r => r.Layer)),
            new StringDataFrameColumn("operation", list.Select(r => r.Operation)),
            new StringDataFrameColumn("input", list.Select(r => r.Input.ToString())),
            new StringDataFrameColumn("output", list.Select(r => r.Output.ToString())),
            new Int64DataFrameColumn("parameters", list.Select(r => r.Parameters)));
    }

    /// <summary>The layers as one TorchSharp module (a Sequential), for an input of shape <paramref name="input"/>.</summary>
    public static nn.Module<Tensor, Tensor> Build(FeatureShape input, IEnumerable<LayerSpec> layers)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var shape = input;
        var index = 0;
        foreach (var layer in layers)
        {
            modules.Add(($"{index++}", layer.Build(shape)));
            shape = layer.OutputShape(shape);
        }
        return nn.Sequential(modules.ToArray());
    }

    /// <summary>The number of elements of every parameter of <paramref name="module"/>, summed.</summary>
    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());
}
