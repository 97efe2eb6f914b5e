using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Benchmarks.Transformers;

/// <summary>
/// Measured harness: GPT training throughput (forward + backward + AdamW step) in tokens per second
/// at nanoGPT's "baby" CPU size and at a larger size, and the FLOP/s that implies as a fraction of
/// this machine's own float32 matmul throughput, measured in the same process.
/// Run: <c>dotnet run -c Release --project bench/Workbook.Benchmarks -- gpt [--steps N] [--threads N]</c>.
/// </summary>
public static class GptBenchmark
{
    /// <summary>One measured configuration.</summary>
    public sealed record Result(string Name, long Parameters, int Batch, int Context, double TokensPerSecond, double FlopsPerSecond, double FractionOfMatmul, double TokensPerCpuSecond);

    /// <summary>Runs the benchmark; returns 0.</summary>
    public static int Run(string[] args)
    {
        var steps = Option(args, "--steps", 30);
        var threads = Option(args, "--threads", Environment.ProcessorCount);
        set_num_threads(threads);
        Console.WriteLine($"GPT training throughput: {threads} threads, {steps} timed steps per size (after 5 warm-up steps)");
        var matmul1024 = MeasureMatmul(1024, 20);
        var matmul2048 = MeasureMatmul(2048, 5);
        var matmul = Math.Max(matmul1024, matmul2048);
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "float32 matmul: 1024³ {0:F1} GFLOP/s (best of 20), 2048³ {1:F1} GFLOP/s (best of 5); reference = the higher", matmul1024 / 1e9, matmul2048 / 1e9));
        Console.WriteLine("load average when starting: " + (File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown"));
        var results = new[]
        {
            Measure("baby (4 layers, 4 heads, width 128, context 64, batch 12)", new GptConfig(65, 64, 4, 4, 128), 12, steps, matmul),
            Measure("larger (6 layers, 6 heads, width 384, context 128, batch 8)", new GptConfig(65, 128, 6, 6, 384), 8, Math.Max(5, steps / 3), matmul),
        };
        foreach (var r in results)
        {
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0}: {1:N0} parameters, {2:N0} tokens/s ({5:N0} per CPU-second), {3:F2} GFLOP/s = {4:P1} of matmul peak",
                r.Name, r.Parameters, r.TokensPerSecond, r.FlopsPerSecond / 1e9, r.FractionOfMatmul, r.TokensPerCpuSecond));
        }
        return 0;
    }

    /// <summary>
    /// FLOPs per trained token (forward + backward ≈ 3 × forward): 6 N for the N non-embedding-gather
    /// parameters (the tied head's matmul counts, the embedding lookups do not), plus attention's
    /// scores and weighted sum, 2 × 2 × T × d per layer forward, so 12 L T d for training (PaLM appendix B).
    /// </summary>
    public static double FlopsPerToken(GptConfig config, long parameters)
    {
        var positionParameters = config.Positions == PositionalEncodingKind.Learned ? (long)config.ContextLength * config.Width : 0;
        var matmulParameters = parameters - positionParameters; // the token embedding is used as the output head's matmul
        return 6.0 * matmulParameters + 12.0 * config.Layers * config.ContextLength * config.Width;
    }

    private static Result Measure(string name, GptConfig config, int batch, int steps, double matmulFlops)
    {
        manual_seed(0);
        var model = new Gpt(config);
        var trainingConfig = new GptTrainerConfig(Steps: steps, BatchSize: batch, WarmupSteps: 1);
        using var optimizer = GptTrainer.CreateOptimizer(model, trainingConfig);
        using var data = randint(0, config.VocabularySize, new long[] { 200_000 });
        using var generator = new Generator(0);
        model.train();
        void Step()
        {
            using var scope = NewDisposeScope();
            var (x, y) = GptTrainer.Batch(data, batch, config.ContextLength, generator);
            optimizer.zero_grad();
            var loss = model.Loss(x, y);
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        for (var i = 0; i < 5; i++)
        {
            Step();
        }
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
        {
            Step();
        }
        clock.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var tokensPerSecond = (double)steps * batch * config.ContextLength / clock.Elapsed.TotalSeconds;
        var flops = FlopsPerToken(config, model.ParameterCount) * tokensPerSecond;
        return new Result(name, model.ParameterCount, batch, config.ContextLength, tokensPerSecond, flops, flops / matmulFlops, (double)steps * batch * config.ContextLength / cpuSeconds);
    }

    /// <summary>Float32 FLOP/s of an n×n by n×n matmul (2 n³ FLOPs each), best of <paramref name="repeats"/>.</summary>
    public static double MeasureMatmul(int n, int repeats)
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        using (var warm = a.matmul(b))
        {
        }
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = a.matmul(b);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
