using System.Globalization;
using System.Net;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;
using Workbook.Tensors;

namespace Workbook.Display;

/// <summary>
/// How a TorchSharp tensor looks in a notebook: its shape, dtype, device and requires_grad first;
/// then its values when it is small (a table for a small matrix), or mean/std/min/max when it is large.
/// </summary>
public static class TensorDisplay
{
    /// <summary>Tensors with at most this many elements show their values.</summary>
    public const int MaxShownElements = 200;

    /// <summary>Matrices with at most this many rows and columns show as an HTML table.</summary>
    public const int MaxTableSide = 30;

    /// <summary>One line: <c>tensor [2, 3] float32 cpu requires_grad=False</c>.</summary>
    public static string Header(Tensor t) =>
        $"tensor {Shape(t)} {DType(t)} {t.device} requires_grad={(t.requires_grad ? "True" : "False")}";

    /// <summary>The text/plain form: the header, then values or summary statistics.</summary>
    public static string ToPlainText(Tensor t)
    {
        if (t.IsInvalid)
        {
            return "tensor (disposed)";
        }
        using var scope = NewDisposeScope();
        var text = new StringBuilder(Header(t));
        if (t.numel() <= MaxShownElements)
        {
            var values = Values(t);
            text.AppendLine().Append(Nested(values, t.shape, 0, 0, out _, indent: 0));
        }
        else
        {
            text.AppendLine().Append(Stats(t));
        }
        return text.ToString();
    }

    /// <summary>The text/html form: a header line, then a table of values (small 1-D/2-D), the values, or summary statistics.</summary>
    public static string ToHtml(Tensor t)
    {
        if (t.IsInvalid)
        {
            return "<div class=\"workbook-tensor\"><code>tensor (disposed)</code></div>";
        }
        using var scope = NewDisposeScope();
        var html = new StringBuilder("<div class=\"workbook-tensor\">");
        html.Append("<div><code>").Append(Html(Header(t))).Append("</code></div>");
        var shape = t.shape;
        if (t.numel() <= MaxShownElements && (shape.Length == 2 || shape.Length == 1) && shape.All(s => s <= MaxTableSide) && t.numel() > 0)
        {
            var values = Values(t);
            var rows = shape.Length == 2 ? (int)shape[0] : 1;
            var columns = (int)shape[^1];
            html.Append("<table class=\"workbook-tensor-values\" style=\"font-family:monospace\"><thead><tr><th></th>");
            for (var c = 0; c < columns; c++)
            {
                html.Append("<th>").Append(c).Append("</th>");
            }
            html.Append("</tr></thead><tbody>");
            for (var r = 0; r < rows; r++)
            {
                html.Append("<tr><th>").Append(r).Append("</th>");
                for (var c = 0; c < columns; c++)
                {
                    html.Append("<td style=\"text-align:right\">").Append(Html(values[r * columns + c])).Append("</td>");
                }
                html.Append("</tr>");
            }
            html.Append("</tbody></table>");
        }
        else if (t.numel() <= MaxShownElements)
        {
            html.Append("<pre>").Append(Html(Nested(Values(t), shape, 0, 0, out _, indent: 0))).Append("</pre>");
        }
        else
        {
            html.Append("<div>").Append(Html(Stats(t))).Append("</div>");
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>Summary of a large tensor: element count, mean, std, min, max (floating and integer types).</summary>
    public static string Stats(Tensor t)
    {
        using var scope = NewDisposeScope();
        var count = t.numel();
        if (count == 0)
        {
            return "0 elements";
        }
        if (t.is_complex())
        {
            return $"{count:N0} complex elements";
        }
        var d = t.detach().cpu().to_type(ScalarType.Float64);
        var mean = d.mean().item<double>();
        var std = count > 1 ? d.std().item<double>() : 0.0;
        var min = d.min().item<double>();
        var max = d.max().item<double>();
        var nan = d.isnan().sum().item<long>();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{count:N0} elements: mean {mean:G4}, std {std:G4}, min {min:G4}, max {max:G4}");
        return nan > 0 ? summary + $", {nan} NaN" : summary;
    }

    private static string Shape(Tensor t) => Shapes.Of(t.shape);

    private static string DType(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Int16 => "int16",
        ScalarType.Int8 => "int8",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>Each element formatted, in row-major order; floats share one format so columns line up.</summary>
    private static string[] Values(Tensor t)
    {
        var c = t.detach().cpu().contiguous();
        if (t.dtype == ScalarType.Bool)
        {
            return c.data<bool>().ToArray().Select(b => b ? "True" : "False").ToArray();
        }
        if (t.is_complex())
        {
            return Enumerable.Repeat("(complex)", (int)t.numel()).ToArray();
        }
        var doubles = c.to_type(ScalarType.Float64).data<double>().ToArray();
        if (!t.is_floating_point())
        {
            return doubles.Select(v => ((long)v).ToString(CultureInfo.InvariantCulture)).ToArray();
        }
        var finite = doubles.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).ToArray();
        var largest = finite.Max();
        var smallestNonZero = finite.Where(v => v > 0).DefaultIfEmpty(1).Min();
        var scientific = largest >= 1e5 || smallestNonZero < 1e-4;
        return doubles.Select(v => double.IsNaN(v) ? "nan" : double.IsInfinity(v) ? (v > 0 ? "inf" : "-inf")
            : scientific ? v.ToString("0.000e+00", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Values as nested brackets, numpy style: <c>[[1.0000, 2.0000],\n [3.0000, 4.0000]]</c>.</summary>
    private static string Nested(string[] values, long[] shape, int dim, int offset, out int consumed, int indent)
    {
        if (shape.Length == 0)
        {
            consumed = 1;
            return values[offset];
        }
        var length = (int)shape[dim];
        if (dim == shape.Length - 1)
        {
            var width = values.Length == 0 ? 0 : values.Max(v => v.Length);
            consumed = length;
            return "[" + string.Join(", ", values.Skip(offset).Take(length).Select(v => v.PadLeft(width))) + "]";
        }
        var parts = new List<string>();
        var position = offset;
        for (var i = 0; i < length; i++)
        {
            parts.Add(Nested(values, shape, dim + 1, position, out var used, indent + 1));
            position += used;
        }
        consumed = position - offset;
        var separator = "," + new string('\n', shape.Length - dim - 1) + new string(' ', indent + 1);
        return "[" + string.Join(separator, parts) + "]";
    }

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
