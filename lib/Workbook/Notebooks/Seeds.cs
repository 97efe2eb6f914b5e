namespace Workbook.Notebooks;

/// <summary>
/// Reproducibility: one call seeds TorchSharp's generator and the workbook's shared
/// <see cref="System.Random"/>, so that two executions of a notebook give the same numbers.
/// </summary>
public static class Seeds
{
    private static Random random = new(0);

    /// <summary>The seed most recently set with <see cref="Set"/>.</summary>
    public static int Current { get; private set; }

    /// <summary>
    /// The workbook's shared .NET random generator, reseeded by <see cref="Set"/>. Library code
    /// that needs .NET randomness takes a <see cref="System.Random"/> argument defaulting to this.
    /// </summary>
    public static Random Random => random;

    /// <summary>Seeds TorchSharp (<c>torch.manual_seed</c>) and <see cref="Random"/>.</summary>
    public static void Set(int seed)
    {
        Current = seed;
        random = new Random(seed);
        TorchSharp.torch.manual_seed(seed);
    }
}
