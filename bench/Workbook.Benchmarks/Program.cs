using System.Reflection;
using BenchmarkDotNet.Running;

// Benchmarks of the workbook. Two kinds live here:
//  - measured harnesses: a public static class named <Area>Benchmark with `public static int Run(string[] args)`,
//    started with `dotnet run -c Release --project bench/Workbook.Benchmarks -- <area> [args]`;
//  - BenchmarkDotNet classes, started with `dotnet run -c Release --project bench/Workbook.Benchmarks -- bdn [BenchmarkDotNet args]`.
var harnesses = typeof(Program).Assembly.GetTypes()
    .Where(t => t.IsPublic && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Benchmark", StringComparison.Ordinal))
    .Select(t => (Type: t, Run: t.GetMethod("Run", BindingFlags.Public | BindingFlags.Static, new[] { typeof(string[]) })))
    .Where(h => h.Run is not null && h.Run.ReturnType == typeof(int))
    .ToDictionary(h => h.Type.Name[..^"Benchmark".Length].ToLowerInvariant(), h => h.Run!);

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/Workbook.Benchmarks -- <benchmark> [args]");
    Console.WriteLine("benchmarks: " + string.Join(", ", harnesses.Keys.Order().Append("bdn")));
    return args.Length == 0 ? 2 : 0;
}
// libtorch's convolution route, before any benchmark runs a convolution (as Notebook.Start does; see CpuKernels).
Workbook.Tensors.CpuKernels.Prepare();
if (args[0] == "bdn")
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
    return 0;
}
if (harnesses.TryGetValue(args[0].ToLowerInvariant(), out var run))
{
    return (int)run.Invoke(null, new object[] { args[1..] })!;
}
Console.Error.WriteLine($"unknown benchmark '{args[0]}'; known: {string.Join(", ", harnesses.Keys.Order().Append("bdn"))}");
return 2;

/// <summary>Entry point type (named so harness discovery can find this assembly).</summary>
public partial class Program;
