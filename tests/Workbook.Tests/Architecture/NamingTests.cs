using System.Reflection;

namespace Workbook.Tests.Architecture;

/// <summary>Holds the library to the names section of lib/Workbook/README.md, from the compiled assembly.</summary>
public sealed class NamingTests
{
    private static readonly Type[] PublicTypes = typeof(Workbook.Exercises.Exercise).Assembly.GetExportedTypes();

    [Fact]
    public void No_two_public_types_share_a_name()
    {
        var shared = PublicTypes.Where(t => !t.IsNested).GroupBy(t => t.Name).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(t => t.FullName))}").ToArray();
        Assert.True(shared.Length == 0, "public types that share a name (rename one for what it does):\n" + string.Join("\n", shared));
    }

    [Fact]
    public void No_public_type_shares_a_name_with_a_TorchSharp_type()
    {
        // A notebook or file that says `using TorchSharp.Modules;` (or `using static TorchSharp.torch;`) next to a
        // Workbook namespace would otherwise get the wrong LayerNorm or Adam silently, or an ambiguity error. Classes
        // written from scratch take d2l's suffix (LayerNormScratch), or a name for what they are.
        var torchNames = typeof(TorchSharp.Modules.LayerNorm).Assembly.GetExportedTypes()
            .Select(t => t.Name.Split('`')[0]).ToHashSet(StringComparer.Ordinal);
        // Nested types are always read through their owner (TeacherForcingSchedule.Linear), so they cannot shadow.
        var shadowing = PublicTypes.Where(t => !t.IsNested && torchNames.Contains(t.Name.Split('`')[0])).Select(t => t.FullName).ToArray();
        Assert.True(shadowing.Length == 0, "public types named like a TorchSharp type (rename for what they are, e.g. with d2l's Scratch suffix): "
            + string.Join(", ", shadowing));
    }

    [Fact]
    public void No_public_type_is_called_Training_Common_or_Utils()
    {
        var vague = PublicTypes.Where(t => t.Name is "Training" or "Common" or "Utils" or "Helpers").Select(t => t.FullName).ToArray();
        Assert.True(vague.Length == 0, "name these for what they do: " + string.Join(", ", vague));
    }

    [Fact]
    public void Settings_records_are_named_for_their_owner_with_Config()
    {
        // A public record whose name ends in Options, Settings, Training or Parameters reads as settings: it should be {Owner}Config.
        var odd = PublicTypes.Where(t => t.GetMethod("<Clone>$") is not null
                && (t.Name.EndsWith("Options", StringComparison.Ordinal) || t.Name.EndsWith("Settings", StringComparison.Ordinal)
                    || t.Name.EndsWith("Training", StringComparison.Ordinal) || t.Name.EndsWith("Parameters", StringComparison.Ordinal)))
            .Select(t => t.FullName).ToArray();
        Assert.True(odd.Length == 0, "settings records are {Owner}Config: " + string.Join(", ", odd));
    }
}
