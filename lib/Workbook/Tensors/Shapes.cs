using static TorchSharp.torch;

namespace Workbook.Tensors;

/// <summary>Shapes written the way error messages and notebook printouts show them: <c>[2, 5, 16]</c>.</summary>
public static class Shapes
{
    /// <summary>The shape of <paramref name="t"/>, e.g. "[2, 5, 16]".</summary>
    public static string Of(Tensor t) => Of(t.shape);

    /// <summary>A shape given as its sizes, e.g. "[2, 5, 16]".</summary>
    public static string Of(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
