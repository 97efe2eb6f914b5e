using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using Workbook.Rl;
using Workbook.Rl.Algorithms;
using Workbook.Rl.Environments;

namespace Workbook.Benchmarks.Rl;

/// <summary>Environment steps per second: one CartPole, and 8 CartPoles through the vectorised wrapper.</summary>
[MemoryDiagnoser]
public class CartPoleStepBenchmarks
{
    private readonly CartPole single = new();
    private readonly VectorEnvironment<int> vector = VectorEnvironments.CartPole(8);
    private readonly int[] actions = { 0, 1, 0, 1, 1, 0, 1, 0 };

    [GlobalSetup]
    public void Setup()
    {
        single.Reset(seed: 0);
        vector.Reset(seed: 0);
    }

    /// <summary>1,000 steps of one environment (resetting when an episode ends).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public double SingleCartPoleStep()
    {
        var total = 0.0;
        for (var k = 0; k < 1000; k++)
        {
            var step = single.Step(k & 1);
            total += step.Reward;
            if (step.Done)
            {
                single.Reset();
            }
        }
        return total;
    }

    /// <summary>125 vectorised steps of 8 environments = 1,000 environment steps (auto-reset included).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public float VectorCartPoleStep()
    {
        var total = 0f;
        for (var k = 0; k < 125; k++)
        {
            total += vector.Step(actions).Rewards[0];
        }
        return total;
    }
}

/// <summary>
/// Measured harness (not BenchmarkDotNet): environment steps per second of plain and vectorised CartPole,
/// then PPO-clip (default <see cref="PpoConfig"/>) on CartPole for several seeds: the environment steps
/// at which the smoothed training return first reached 475, the wall time of the whole run, and whether the
/// final greedy policy averages at least 475 over 100 episodes. Reports medians over seeds.
/// Arguments: [seeds (default 5)] [threads (default 1)].
/// </summary>
public static class RlBenchmark
{
    public static int Run(string[] args)
    {
        var seeds = args.Length > 0 ? int.Parse(args[0]) : 5;
        var threads = args.Length > 1 ? int.Parse(args[1]) : 1;
        torch.set_num_threads(threads);

        Console.WriteLine($"CartPole single env: {StepsPerSecond(vectorised: false):N0} steps/s");
        Console.WriteLine($"CartPole 8 vectorised envs: {StepsPerSecond(vectorised: true):N0} env steps/s");

        var wall = new List<double>();
        var solvedAt = new List<double>();
        var solved = 0;
        for (var seed = 0; seed < seeds; seed++)
        {
            var config = new PpoConfig(Seed: seed);
            var result = Ppo.Train(VectorEnvironments.CartPole(config.Environments, seed), config);
            var (steps, returns) = result.Log.SmoothedReturns(10);
            var first = Array.FindIndex(returns, r => r >= 475);
            var evaluation = Evaluation.EpisodeReturns(n => VectorEnvironments.CartPole(n, 50_000 + seed), result.Policy, 100, greedy: true).Average();
            solved += evaluation >= 475 ? 1 : 0;
            wall.Add(result.WallSeconds);
            solvedAt.Add(first >= 0 ? steps[first] : double.NaN);
            Console.WriteLine($"seed {seed}: {result.EnvironmentSteps} steps in {result.WallSeconds:F1} s; smoothed return >= 475 first at step {(first >= 0 ? steps[first].ToString("F0") : "never")}; final greedy mean over 100 episodes {evaluation:F1}");
        }
        Console.WriteLine($"PPO-clip CartPole, {seeds} seeds, {threads} thread(s): median wall {Median(wall):F1} s for {new PpoConfig().TotalSteps} steps; " +
                          $"median steps to smoothed return 475: {Median(solvedAt):F0}; final greedy policy solved (>= 475 over 100 episodes) in {solved}/{seeds} seeds");
        return solved == seeds ? 0 : 1;
    }

    private static double StepsPerSecond(bool vectorised)
    {
        const int steps = 2_000_000;
        var clock = Stopwatch.StartNew();
        if (vectorised)
        {
            var env = VectorEnvironments.CartPole(8);
            env.Reset(0);
            var actions = new[] { 0, 1, 0, 1, 1, 0, 1, 0 };
            for (var k = 0; k < steps / 8; k++)
            {
                env.Step(actions);
            }
        }
        else
        {
            var env = new CartPole();
            env.Reset(0);
            for (var k = 0; k < steps; k++)
            {
                if (env.Step(k & 1).Done)
                {
                    env.Reset();
                }
            }
        }
        return steps / clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
