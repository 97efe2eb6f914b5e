using TorchSharp;
using Workbook.Data.Images;
using static TorchSharp.torch;

namespace Workbook.Convnets;

/// <summary>
/// Shape images with what localisation and segmentation need besides the class: each image's object mask, its bounding
/// box and a per-pixel class map.
/// </summary>
/// <param name="Images">the noisy images [count, 1, size, size], exactly as <see cref="ShapeImages.Generate"/> draws them.</param>
/// <param name="Labels">class indices [count] (int64), <see cref="ShapeImages.ClassNames"/> order.</param>
/// <param name="Masks">1 where the shape is, 0 elsewhere [count, 1, size, size] (float32).</param>
/// <param name="Boxes">the tightest box around each mask [count, 4] as (x1, y1, x2, y2) in pixel-edge coordinates
/// (pixel (row i, column j) covers [j, j + 1) × [i, i + 1)), so a filled square's box area is its pixel count.</param>
/// <param name="PixelClasses">per-pixel classes [count, size, size] (int64): 0 for background, 1 + the label on the shape.</param>
public sealed record ShapeScene(Tensor Images, Tensor Labels, Tensor Masks, Tensor Boxes, Tensor PixelClasses)
{
    /// <summary>Number of images.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Height and width of every image.</summary>
    public long Size => Images.shape[^1];

    /// <summary>
    /// The same scene with images, masks and boxes in double precision. On the machines this workbook was built on,
    /// libtorch 2.10's single-precision CPU kernel for the input-gradient of a convolution (the transposed convolution)
    /// returned wrong values for batches of more than one, while double precision was right (see
    /// tests/Workbook.Tests/Convnets/UpsamplingTests.cs); networks that backpropagate through convolutions to their
    /// input, or to earlier layers, train on this.
    /// </summary>
    public ShapeScene InDoublePrecision() =>
        new(Images.to_type(ScalarType.Float64), Labels, Masks.to_type(ScalarType.Float64), Boxes.to_type(ScalarType.Float64), PixelClasses);

    /// <summary>The images at <paramref name="indices"/> (int64 [n]) with their masks, boxes and pixel classes.</summary>
    public ShapeScene Select(Tensor indices) =>
        new(Images.index_select(0, indices), Labels.index_select(0, indices), Masks.index_select(0, indices),
            Boxes.index_select(0, indices), PixelClasses.index_select(0, indices));
}

/// <summary>
/// The workbook's own shape images (<see cref="ShapeImages"/>), with masks, boxes and pixel classes. Nothing is
/// downloaded. The generator draws its pixel noise from the same random stream whatever the noise level, so the same
/// seed with noise 0 draws the same shapes without noise: those clean images are thresholded into the masks.
/// </summary>
public static class ShapeScenes
{
    /// <summary>The classes of <see cref="ShapeScene.PixelClasses"/>: background, then the shape classes.</summary>
    public static IReadOnlyList<string> PixelClassNames { get; } = new[] { "background" }.Concat(ShapeImages.ClassNames).ToArray();

    /// <summary><paramref name="count"/> images as <see cref="ShapeImages.Generate"/> draws them, with their masks and boxes.</summary>
    public static ShapeScene Generate(int count, int size = 16, double noise = 0.3, int seed = 0)
    {
        var noisy = ShapeImages.Generate(count, size, noise, seed);
        var clean = ShapeImages.Generate(count, size, 0.0, seed);                   // same stream: same shapes, no noise
        var masks = clean.Images.gt(0.0).to_type(ScalarType.Float32);               // [count, 1, size, size]
        var pixelClasses = masks.squeeze(1).to_type(ScalarType.Int64) * (noisy.Labels.view(-1, 1, 1) + 1); // [count, size, size]
        return new ShapeScene(noisy.Images, noisy.Labels, masks, BoxesOf(masks), pixelClasses);
    }

    /// <summary>The tightest (x1, y1, x2, y2) pixel-edge box around each mask [count, 1, H, W] → [count, 4]; an empty mask gives (0, 0, 0, 0).</summary>
    public static Tensor BoxesOf(Tensor masks)
    {
        using var scope = NewDisposeScope();
        var m = masks.squeeze(1).gt(0.5);                                           // [count, H, W]
        long h = m.shape[1], w = m.shape[2];
        var columns = m.any(1);                                                     // [count, W]: some pixel in this column
        var rows = m.any(2);                                                        // [count, H]
        var columnIndex = arange(w, ScalarType.Float32).unsqueeze(0);               // [1, W]
        var rowIndex = arange(h, ScalarType.Float32).unsqueeze(0);                  // [1, H]
        var big = (float)(h + w);
        var x1 = where(columns, columnIndex, big).min(1).values;                    // [count]
        var x2 = where(columns, columnIndex + 1, -big).max(1).values;
        var y1 = where(rows, rowIndex, big).min(1).values;
        var y2 = where(rows, rowIndex + 1, -big).max(1).values;
        var boxes = stack(new[] { x1, y1, x2, y2 }, 1);                             // [count, 4]
        var empty = columns.any(1).logical_not().unsqueeze(1);                      // [count, 1]
        return where(empty, zeros_like(boxes), boxes).MoveToOuterDisposeScope();
    }
}
