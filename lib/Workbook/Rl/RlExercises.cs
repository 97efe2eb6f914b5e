using TorchSharp;
using Workbook.Exercises;
using Workbook.Rl.Algorithms;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>
/// Checked exercises for the policy-gradient notebooks (17-21): each runs the student's function on
/// several cases and compares with the library's reference, reporting the first mismatch.
/// </summary>
public static class RlExercises
{
    /// <summary>
    /// The student's GAE over one environment's rollout (the signature <see cref="CheckGae"/> checks) plugged into A2C, PPO
    /// or TRPO (<see cref="LossPieces.Advantages"/>): it computes every environment's advantages in the real training loop;
    /// while it is the student edition's stub, the library's GAE does, and the plug says so.
    /// </summary>
    public static Plugged<AdvantageEstimator> PlugGae(AdvantageEstimator student) =>
        Plug.Custom<AdvantageEstimator>("GAE", plug =>
            (r, v, dones, last, gamma, lambda) => plug.Call(() => student(r, v, dones, last, gamma, lambda),
                () => Returns.OneEnvironmentGae(r, v, dones, last, gamma, lambda)));

    /// <summary>
    /// The student's conjugate-gradient iteration (the signature <see cref="CheckConjugateGradientStep"/> checks) plugged into
    /// TRPO's natural-gradient solve (<see cref="Trpo.Train"/>'s <c>conjugateGradientStep</c>); while it is the student
    /// edition's stub, the library's step is used, and the plug says so.
    /// </summary>
    public static Plugged<Func<ConjugateGradientState, Tensor, ConjugateGradientState>> PlugConjugateGradientStep(
        Func<ConjugateGradientState, Tensor, ConjugateGradientState> student) =>
        Plug.Custom<Func<ConjugateGradientState, Tensor, ConjugateGradientState>>("conjugate-gradient step", plug =>
            (state, ap) => plug.Call(() => student(state, ap), () => Trpo.ConjugateGradientStep(state, ap)));

    /// <summary>
    /// The student's clipped surrogate (per-sample values, [B]) plugged into PPO's policy loss
    /// (<see cref="LossPieces.Policy"/>: the loss is minus its mean); while it is the student edition's
    /// stub, the library's PPO-clip objective is used, and the plug says so.
    /// </summary>
    public static Plugged<Func<Tensor, Tensor, double, Tensor>> PlugClippedSurrogate(Func<Tensor, Tensor, double, Tensor> student) =>
        Plug.In("clipped surrogate", student, (ratio, advantages, epsilon) =>
            minimum(ratio * advantages, ratio.clamp(1 - epsilon, 1 + epsilon) * advantages));

    /// <summary>
    /// Reward-to-go over a batch of episodes laid end to end (the form a policy-gradient batch has, Notes §7.3.4.1):
    /// student(rewards, episodeEnds, γ) → Q̂ with Q̂_t = r_t + γ Q̂_{t+1} inside an episode and Q̂_t = r_t where
    /// episodeEnds[t] (the episode ended after step t: nothing flows back across it). A batch whose last step has no
    /// end flag was cut off there, and its last episode is treated as ending at that step.
    /// <see cref="Returns.RewardToGo"/> may be called per episode; the check is about cutting the batch at the ends.
    /// </summary>
    public static ExerciseResult CheckRewardToGo(Func<double[], bool[], double, double[]> student)
    {
        var random = new Random(17);
        var longEnds = Enumerable.Range(0, 30).Select(_ => random.NextDouble() < 0.15).ToArray();
        longEnds[^1] = false;
        var cases = new (string Label, double[] Rewards, bool[] Ends, double Gamma)[]
        {
            ("three episodes of 3, 2 and 4 steps, γ = 1", new[] { 1.0, 1, 1, 2, 2, 1, 0, 0, 3 }, Ends(9, 2, 4, 8), 1.0),
            ("two episodes of 4 and 3 steps, γ = 0.9", new[] { 0.0, 0, 5, -1, 1, 2, 3 }, Ends(7, 3, 6), 0.9),
            ("a one-step episode between two others, γ = 0.5", new[] { 1.0, 2, 3, 4, 1, 1 }, Ends(6, 2, 3, 5), 0.5),
            ("the last episode cut off (no end flag at the last step), γ = 0.99", new[] { 1.0, 1, 1, 2, -1, 0.5, 3 }, Ends(7, 2), 0.99),
            ("one-step episodes only, γ = 0.9", new[] { 1.0, 2, 3 }, Ends(3, 0, 1, 2), 0.9),
            ("30 steps with episode ends here and there, the last episode cut off, γ = 0.95",
                Enumerable.Range(0, 30).Select(t => Math.Round(Math.Sin(t), 3)).ToArray(), longEnds, 0.95),
        };
        return CheckSequences("reward-to-go", "Q̂", cases.Select(c =>
            ($"{c.Label}: rewards {Numbers(c.Rewards)}, episodes end after {EndSteps(c.Ends)}",
             (Func<double[]>)(() => student((double[])c.Rewards.Clone(), (bool[])c.Ends.Clone(), c.Gamma)),
             BatchRewardToGo(c.Rewards, c.Ends, c.Gamma), c.Ends)).ToList());
    }

    /// <summary>The reference of <see cref="CheckRewardToGo"/>: one backward pass that restarts after every episode end.</summary>
    private static double[] BatchRewardToGo(double[] rewards, bool[] ends, double gamma)
    {
        var result = new double[rewards.Length];
        var running = 0.0;
        for (var t = rewards.Length - 1; t >= 0; t--)
        {
            running = rewards[t] + (ends[t] ? 0.0 : gamma * running);
            result[t] = running;
        }
        return result;
    }

    /// <summary>
    /// GAE(γ, λ) over one environment's rollout of T steps that may contain episode ends (what the training loop has):
    /// student(rewards, values, dones, lastValue, γ, λ) → Â, with δ_t = r_t + γ (1 − d_t) V_{t+1} − V_t and
    /// Â_t = δ_t + γλ (1 − d_t) Â_{t+1}; dones[t] = d_t says the episode ended after step t (no bootstrap, nothing flows back),
    /// and V_T = lastValue is V of the state after step T−1 (the rollout's cut). The segment form
    /// <see cref="Returns.Gae(IReadOnlyList{double}, IReadOnlyList{double}, double, double, double)"/> may be called per
    /// episode piece; the check is about the cuts at episode ends, the bootstrap 0 after an end and lastValue at the cut.
    /// </summary>
    public static ExerciseResult CheckGae(AdvantageEstimator student)
    {
        var random = new Random(19);
        double[] Draw(int n, double scale, double shift) => Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * scale + shift, 3)).ToArray();
        var longDones = Enumerable.Range(0, 40).Select(_ => random.NextDouble() < 0.1).ToArray();
        var cases = new (string Label, double[] R, double[] V, bool[] Dones, double Last, double Gamma, double Lambda)[]
        {
            ("one episode through the whole rollout, cut after the last step", Draw(6, 2, -1), Draw(6, 3, 0), Ends(6), 0.8, 0.9, 0.8),
            ("the episode ends at the last step, so lastValue must not be used", Draw(5, 2, -1), Draw(5, 3, 0), Ends(5, 4), 5.0, 0.99, 0.95),
            ("two episode ends inside, the third episode cut at the end", Draw(10, 2, -1), Draw(10, 3, 0), Ends(10, 2, 6), 0.7, 0.99, 0.95),
            ("episode ends inside, λ = 0 (one-step TD errors)", Draw(10, 2, -1), Draw(10, 3, 0), Ends(10, 2, 6), 0.7, 0.99, 0.0),
            ("an episode end inside, λ = 1 (Monte Carlo advantages)", Draw(8, 2, -1), Draw(8, 3, 0), Ends(8, 3), 1.5, 0.97, 1.0),
            ("one-step episodes after steps 1, 2 and 3", Draw(6, 2, -1), Draw(6, 3, 0), Ends(6, 1, 2, 3), 0.4, 0.9, 0.9),
            ("40 steps with episode ends here and there", Draw(40, 2, -1), Draw(40, 3, 0), longDones, 0.6, 0.99, 0.95),
        };
        return CheckSequences("GAE", "Â", cases.Select(c =>
            ($"{c.Label} (T = {c.R.Length}, episodes end after {EndSteps(c.Dones)}, lastValue = {Number(c.Last)}, γ = {Number(c.Gamma)}, λ = {Number(c.Lambda)}): " +
             $"rewards {Numbers(c.R)}, values {Numbers(c.V)}",
             (Func<double[]>)(() => student((double[])c.R.Clone(), (double[])c.V.Clone(), (bool[])c.Dones.Clone(), c.Last, c.Gamma, c.Lambda)),
             Returns.OneEnvironmentGae(c.R, c.V, c.Dones, c.Last, c.Gamma, c.Lambda), c.Dones)).ToList());
    }

    /// <summary>A flag per step of <paramref name="steps"/>, true after the listed steps.</summary>
    private static bool[] Ends(int steps, params int[] after)
    {
        var ends = new bool[steps];
        foreach (var t in after)
        {
            ends[t] = true;
        }
        return ends;
    }

    private static string EndSteps(bool[] ends)
    {
        var at = Enumerable.Range(0, ends.Length).Where(t => ends[t]).ToArray();
        return at.Length switch { 0 => "no step", 1 => $"step {at[0]}", _ => "steps " + string.Join(", ", at) };
    }

    /// <summary>Which episode step <paramref name="t"/> belongs to, in words.</summary>
    private static string Episode(bool[] ends, int t)
    {
        var start = t;
        while (start > 0 && !ends[start - 1])
        {
            start--;
        }
        var end = t;
        while (end < ends.Length - 1 && !ends[end])
        {
            end++;
        }
        return $"in the episode over steps {start}–{end}{(ends[end] ? "" : ", cut off at the end")}";
    }

    /// <summary>What is special about step <paramref name="t"/>: the last step of an episode that ended, or the rollout's cut.</summary>
    private static string Boundary(bool[] ends, int t) =>
        ends[t] ? $"; step {t} is the last of its episode, which ended there: nothing after it may flow back"
        : t == ends.Length - 1 ? $"; step {t} is the last of the batch, where the episode was cut off"
        : t + 1 < ends.Length && ends[t + 1] ? $"; the next step, {t + 1}, ends the episode" : "";

    /// <summary>
    /// Runs each case's student call and compares its array with the expected one position by position, reporting the case,
    /// the first wrong position (expected and got) and both arrays.
    /// </summary>
    private static ExerciseResult CheckSequences(string exercise, string quantity, IReadOnlyList<(string Case, Func<double[]> Student, double[] Expected, bool[] Ends)> cases)
    {
        for (var i = 0; i < cases.Count; i++)
        {
            var (label, run, expected, ends) = cases[i];
            var where = $"case {i + 1} of {cases.Count}, {label}";
            double[]? got;
            try
            {
                got = run();
            }
            catch (NotImplementedException e)
            {
                return new ExerciseResult(exercise, false, 0, $"not attempted yet: {e.Message}", Attempted: false);
            }
            catch (Exception e)
            {
                return new ExerciseResult(exercise, false, i + 1, $"{where}: your function threw {e.GetType().Name}: {FirstLine(e.Message)}");
            }
            if (got is null)
            {
                return new ExerciseResult(exercise, false, i + 1, $"{where}: your function returned null");
            }
            if (got.Length != expected.Length)
            {
                return new ExerciseResult(exercise, false, i + 1,
                    $"{where}: expected {expected.Length} values of {quantity} (one per step of the {ends.Length} steps) but your function returned {got.Length}: {Numbers(got)}");
            }
            var wrong = Enumerable.Range(0, expected.Length).FirstOrDefault(t => !Close(expected[t], got[t]), -1);
            if (wrong >= 0)
            {
                // A backward recursion carries an error to every earlier step of its episode: the last wrong position is
                // where the slip sits (the case's first wrong one is only where it ends up).
                var last = Enumerable.Range(0, expected.Length).Last(t => !Close(expected[t], got[t]));
                var at = last == wrong
                    ? $"wrong {quantity} at position t = {wrong} only ({Episode(ends, wrong)}{Boundary(ends, wrong)}): expected {Number(expected[wrong])} but got {Number(got[wrong])}"
                    : $"the last wrong {quantity} is at t = {last} ({Episode(ends, last)}{Boundary(ends, last)}): expected {Number(expected[last])} but got {Number(got[last])}; " +
                      $"a backward pass carries a slip to the steps before it, so look there first (the first wrong position is t = {wrong}: expected {Number(expected[wrong])}, got {Number(got[wrong])})";
                return new ExerciseResult(exercise, false, i + 1, $"{where}: {at}; expected {quantity} = {Numbers(expected)}, got {Numbers(got)}");
            }
        }
        return new ExerciseResult(exercise, true, cases.Count, $"passed all {cases.Count} cases");
    }

    /// <summary>
    /// Effective sample size fraction of importance weights given by their logarithms (Notes §7.3.5.1-7.3.5.2, importance sampling):
    /// student(log w) → (Σw)² / (n Σw²). Trajectory weights are products over many steps, so their logs reach hundreds
    /// and exp overflows (or underflows to 0) in double: the cases include log-weights near +800 and near −900, where
    /// <c>OffPolicyPg.EffectiveSampleSizeFraction(logW.Select(Math.Exp))</c> returns NaN or 0. The fraction does not change
    /// when every weight is multiplied by one constant, which is what a stable answer uses. A failure names the case's
    /// log-weights and the expected and returned fractions.
    /// </summary>
    public static ExerciseResult CheckEffectiveSampleSize(Func<double[], double> student)
    {
        var cases = new[]
        {
            new[] { 0.0, 0.0, 0.0, 0.0 },
            new[] { Math.Log(4.0), -50.0, -60.0, -70.0 },
            new[] { 0.5, 2.0, 1.0, 0.1, 3.0 }.Select(w => Math.Log(w)).ToArray(),
            Enumerable.Range(1, 50).Select(i => -0.2 * i).ToArray(),
            new[] { 800.0, 801.0, 799.5, 802.0 },                                  // exp overflows to +inf
            new[] { -900.0, -905.0, -1000.0 },                                     // exp underflows to 0
            new[] { 700.0, 0.0, -700.0 },                                          // one weight dominates
        };
        return Exercise.CheckValues("effective sample size from log-weights", (double[] logW) => student((double[])logW.Clone()),
            cases.Select(l => (l, ReferenceEffectiveSampleSize(l))), (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    private static double ReferenceEffectiveSampleSize(double[] logWeights)
    {
        var top = logWeights.Max();
        return OffPolicyPg.EffectiveSampleSizeFraction(logWeights.Select(l => Math.Exp(l - top)).ToArray());
    }

    /// <summary>
    /// One conjugate-gradient iteration (<see cref="ConjugateGradientState"/> has the formulas): student(state after k
    /// iterations, A p_k) → the state after k + 1. The check runs the student's step inside the conjugate-gradient loop on a
    /// 2×2 system and random symmetric positive-definite systems (float64), compares x, r, p and rᵀr after every iteration
    /// with the library's step from the same state, and checks that n steps solve the n×n system. <see cref="Trpo.ConjugateGradient"/>
    /// runs the whole loop and is not the answer: the step is.
    /// </summary>
    public static ExerciseResult CheckConjugateGradientStep(Func<ConjugateGradientState, Tensor, ConjugateGradientState> student)
    {
        const string exercise = "conjugate-gradient step";
        var generator = new Generator(20);
        var systems = new List<(string Label, Tensor A, Tensor B)>
        {
            ("the 2×2 system A = [[4, 1], [1, 3]], b = [1, 2]", tensor(new[] { 4.0, 1, 1, 3 }).reshape(2, 2), tensor(new[] { 1.0, 2 })),
        };
        foreach (var n in new[] { 3, 5, 10 })
        {
            var m = randn(new long[] { n, n }, ScalarType.Float64, generator: generator);
            systems.Add(($"a random symmetric positive-definite {n}×{n} system", m.matmul(m.t()) + n * eye(n, dtype: ScalarType.Float64),
                randn(new long[] { n }, ScalarType.Float64, generator: generator)));
        }
        for (var c = 0; c < systems.Count; c++)
        {
            using var scope = NewDisposeScope();
            var (label, a, b) = systems[c];
            var n = (int)b.shape[0];
            var where = $"case {c + 1} of {systems.Count}, {label}";
            var state = ConjugateGradientState.Start(b);
            for (var k = 0; k < n; k++)
            {
                var ap = a.matmul(state.P);
                var expected = Trpo.ConjugateGradientStep(state, ap);
                ConjugateGradientState? got;
                try
                {
                    got = student(new ConjugateGradientState(state.X.clone(), state.R.clone(), state.P.clone(), state.Rr), ap.clone());
                }
                catch (NotImplementedException e)
                {
                    return new ExerciseResult(exercise, false, 0, $"not attempted yet: {e.Message}", Attempted: false);
                }
                catch (Exception e)
                {
                    return new ExerciseResult(exercise, false, c + 1, $"{where}, iteration {k + 1}: your step threw {e.GetType().Name}: {FirstLine(e.Message)}");
                }
                var at = $"{where}, iteration {k + 1} (from x_{k}, r_{k}, p_{k} = {Numbers(Values(state.P))}, rᵀr = {Number(state.Rr)})";
                if (got is null || got.X is null || got.R is null || got.P is null)
                {
                    return new ExerciseResult(exercise, false, c + 1, $"{at}: your step returned a null state or vector");
                }
                foreach (var (name, e, g) in new[] { ("x", expected.X, got.X), ("r", expected.R, got.R), ("p", expected.P, got.P) })
                {
                    if (!g.shape.SequenceEqual(e.shape))
                    {
                        return new ExerciseResult(exercise, false, c + 1, $"{at}: {name} should have shape [{n}] but your step returned shape [{string.Join(", ", g.shape)}]");
                    }
                    var (ev, gv) = (Values(e), Values(g));
                    var wrong = Enumerable.Range(0, n).FirstOrDefault(j => !Close(ev[j], gv[j], 1e-9), -1);
                    if (wrong >= 0)
                    {
                        return new ExerciseResult(exercise, false, c + 1,
                            $"{at}: the new {name} differs first at index {wrong}: expected {Number(ev[wrong])} but got {Number(gv[wrong])}; " +
                            $"expected {name} = {Numbers(ev)}, got {Numbers(gv)}");
                    }
                }
                if (!Close(expected.Rr, got.Rr, 1e-9))
                {
                    return new ExerciseResult(exercise, false, c + 1, $"{at}: the new rᵀr should be {Number(expected.Rr)} (r'ᵀr' of the new residual) but your step returned {Number(got.Rr)}");
                }
                state = got;
            }
            var error = (state.X - linalg.solve(a, b)).abs().max().ToDouble();
            if (!(error <= 1e-8))
            {
                return new ExerciseResult(exercise, false, c + 1, $"{where}: after n = {n} of your steps x should solve A x = b, but max |x − A⁻¹b| = {Number(error)}");
            }
        }
        return new ExerciseResult(exercise, true, systems.Count, $"passed all {systems.Count} cases (every iteration's x, r, p and rᵀr, and x after n steps)");
    }

    /// <summary>
    /// PPO's clipped surrogate per sample (Notes A, Q7): student(ratio, advantages, ε) → min(r A, clip(r, 1−ε, 1+ε) A), shape [B].
    /// The expected values are computed in float64 from the same float32 inputs. A failure names the case, the position, the
    /// ratio, advantage and ε there, which of the four regions the sample is in (inside the range, or outside it with the
    /// advantage favouring or opposing the move) and what min(r A, clip(r) A) is there.
    /// </summary>
    public static ExerciseResult CheckPpoClipObjective(Func<Tensor, Tensor, double, Tensor> student)
    {
        const string exercise = "PPO clipped objective";
        var generator = new Generator(21);
        var cases = new List<(string Label, Tensor Ratio, Tensor Advantage, double Epsilon)>
        {
            ("one sample in each region: ratios 0.5-1.5, advantages +1 and -1", tensor(new[] { 0.5f, 0.9f, 1.0f, 1.1f, 1.5f, 0.5f, 1.5f }), tensor(new[] { 1f, 1f, 1f, 1f, 1f, -1f, -1f }), 0.2),
            ("50 random ratios in [0, 2) with N(0, 1) advantages", rand(new long[] { 50 }, generator: generator) * 2, randn(new long[] { 50 }, generator: generator), 0.1),
            ("20 random ratios in [0.5, 1.5) with N(0, 1) advantages", rand(new long[] { 20 }, generator: generator) + 0.5f, randn(new long[] { 20 }, generator: generator), 0.3),
        };
        for (var i = 0; i < cases.Count; i++)
        {
            using var scope = NewDisposeScope();
            var (label, ratio, advantage, epsilon) = cases[i];
            var where = $"case {i + 1} of {cases.Count} ({label}, ε = {Number(epsilon)})";
            var r = Values(ratio);
            var a = Values(advantage);
            var expected = r.Select((v, k) => Math.Min(v * a[k], Math.Clamp(v, 1 - epsilon, 1 + epsilon) * a[k])).ToArray();
            Tensor? got;
            try
            {
                got = student(ratio.clone(), advantage.clone(), epsilon);
            }
            catch (NotImplementedException e)
            {
                return new ExerciseResult(exercise, false, 0, $"not attempted yet: {e.Message}", Attempted: false);
            }
            catch (Exception e)
            {
                return new ExerciseResult(exercise, false, i + 1, $"{where}: your function threw {e.GetType().Name}: {FirstLine(e.Message)}");
            }
            if (got is null)
            {
                return new ExerciseResult(exercise, false, i + 1, $"{where}: your function returned null");
            }
            if (!got.shape.SequenceEqual(ratio.shape))
            {
                return new ExerciseResult(exercise, false, i + 1,
                    $"{where}: expected one value per sample, shape [{ratio.shape[0]}], but your function returned shape [{string.Join(", ", got.shape)}]");
            }
            var g = Values(got);
            var wrong = Enumerable.Range(0, expected.Length).FirstOrDefault(k => !(Math.Abs(g[k] - expected[k]) <= 1e-5 + 1e-4 * Math.Abs(expected[k])), -1);
            if (wrong >= 0)
            {
                var (rk, ak) = (r[wrong], a[wrong]);
                var region = rk >= 1 - epsilon && rk <= 1 + epsilon
                    ? $"the ratio is inside [1 − ε, 1 + ε] = [{Number(1 - epsilon)}, {Number(1 + epsilon)}], so clipping changes nothing: r·A"
                    : (rk > 1 + epsilon) == (ak > 0)
                        ? $"the ratio left [{Number(1 - epsilon)}, {Number(1 + epsilon)}] in the direction the advantage favours, so the clipped term wins the minimum: clip(r)·A = {Number(Math.Clamp(rk, 1 - epsilon, 1 + epsilon))} × {Number(ak)}"
                        : $"the ratio left [{Number(1 - epsilon)}, {Number(1 + epsilon)}] against the advantage, so the unclipped term wins the minimum: r·A";
                return new ExerciseResult(exercise, false, i + 1,
                    $"{where}: wrong at position {wrong}, where ratio r = {Number(rk)}, advantage A = {Number(ak)}, ε = {Number(epsilon)}: " +
                    $"expected {Number(expected[wrong])} but got {Number(g[wrong])} ({region})");
            }
        }
        return new ExerciseResult(exercise, true, cases.Count, $"passed all {cases.Count} cases");
    }

    /// <summary>
    /// Why reward-to-go helps on CartPole (Notes §7.3.4.1): with a reward of 1 at each of T steps and γ = 1, the vanilla
    /// estimator weights every step's score by the return T, reward-to-go weights step t by T − t. student(T) → the mean over
    /// the episode's steps of (reward-to-go)² divided by (return)², which is Σ_{k=1..T} k² / T³. Float64 closed form; a
    /// failure names T and both values.
    /// </summary>
    public static ExerciseResult CheckRewardToGoSquareShare(Func<int, double> student) =>
        CheckScalar("reward-to-go's share of the squared weight", new[] { 1, 2, 3, 10, 500 }, student,
            t => Enumerable.Range(1, t).Sum(k => (double)k * k) / ((double)t * t * t), t => $"T = {t}");

    /// <summary>
    /// The effective sample size of log-normal importance weights (Notes §7.3.5): when log w ~ N(μ, s²), ESS/n tends to
    /// E[w]² / E[w²] as n grows. student(s) → that limit, e^{−s²}. Float64 closed form; a failure names s and both values.
    /// </summary>
    public static ExerciseResult CheckLogNormalEssLimit(Func<double, double> student) =>
        CheckScalar("ESS/n of log-normal weights", new[] { 0.0, 0.1, 0.5, 1.0, 2.0, 3.0 }, student, sd => Math.Exp(-sd * sd), sd => $"s = {Number(sd)}");

    /// <summary>
    /// GAE's reach: Â_t = Σ_l (γλ)^l δ_{t+l} weights the TD error l steps ahead by (γλ)^l. student(γ, λ) → the smallest k
    /// such that the weights of the first k TD errors hold at least half of the total weight (for an endless episode), which
    /// is the smallest k with (γλ)^k ≤ 1/2. Cases have γλ &lt; 1; a failure names γ, λ and both values.
    /// </summary>
    public static ExerciseResult CheckGaeHalfWeightHorizon(Func<double, double, int> student)
    {
        var cases = new[] { (0.99, 0.0), (0.5, 1.0), (0.99, 0.5), (0.99, 0.9), (0.99, 0.95), (0.99, 1.0), (0.9, 0.9) };
        return CheckScalar("GAE's half-weight horizon", cases, c => (double)student(c.Item1, c.Item2), c => GaeHalfWeightHorizon(c.Item1 * c.Item2),
            c => $"γ = {Number(c.Item1)}, λ = {Number(c.Item2)} (γλ = {Number(c.Item1 * c.Item2)})");
    }

    /// <summary>The smallest k ≥ 1 with x^k ≤ 1/2, by counting (0 ≤ x &lt; 1).</summary>
    internal static int GaeHalfWeightHorizon(double x)
    {
        var k = 1;
        for (var w = x; w > 0.5; w *= x)
        {
            k++;
        }
        return k;
    }

    /// <summary>
    /// How many conjugate-gradient iterations solve A x = b exactly (in exact arithmetic, for a b with a component along
    /// every eigenvector): student(eigenvalues of the symmetric positive-definite A) → the number of distinct eigenvalues,
    /// a case the notebook's text does not cover (it runs n iterations for n unknowns). A failure names the eigenvalues.
    /// </summary>
    public static ExerciseResult CheckConjugateGradientIterations(Func<double[], int> student)
    {
        var cases = new[]
        {
            new[] { 2.0, 2.0, 2.0 }, new[] { 1.0, 2.0, 3.0 }, new[] { 1.0, 1.0, 5.0, 5.0, 5.0, 9.0 }, new[] { 4.0 },
            Enumerable.Range(1, 10).Select(k => (double)k).ToArray(), new[] { 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 7.0, 7.0, 7.0, 7.0 },
        };
        return CheckScalar("conjugate-gradient iterations", cases, e => (double)student((double[])e.Clone()), e => e.Distinct().Count(),
            e => $"A with eigenvalues {Numbers(e)} ({e.Length} unknowns)");
    }

    /// <summary>
    /// The value targets of Pendulum (Notes A, Q4): the reward per step is −(θ² + 0.1 θ̇² + 0.001 u²) with θ ∈ [−π, π],
    /// |θ̇| ≤ 8 and |u| ≤ 2. student(γ, rewardScale) → the most negative value a discounted sum of scaled rewards can take,
    /// −rewardScale (π² + 6.4 + 0.004) / (1 − γ). Float64 closed form; a failure names γ, the scale and both values.
    /// </summary>
    public static ExerciseResult CheckPendulumWorstValue(Func<double, double, double> student)
    {
        var cases = new[] { (0.9, 0.1), (0.99, 1.0), (0.5, 0.1), (0.0, 1.0) };
        return CheckScalar("Pendulum's most negative value target", cases, c => student(c.Item1, c.Item2),
            c => PendulumWorstValue(c.Item1, c.Item2), c => $"γ = {Number(c.Item1)}, reward scale {Number(c.Item2)}");
    }

    /// <summary>−scale (π² + 0.1·8² + 0.001·2²) / (1 − γ): the reference of <see cref="CheckPendulumWorstValue"/>.</summary>
    public static double PendulumWorstValue(double gamma, double rewardScale) => -rewardScale * (Math.PI * Math.PI + 0.1 * 64 + 0.001 * 4) / (1 - gamma);

    /// <summary>A closed-form scalar check: every case's student value within 1e-9 (relative) of the float64 reference.</summary>
    private static ExerciseResult CheckScalar<TCase>(string exercise, IReadOnlyList<TCase> cases, Func<TCase, double> student, Func<TCase, double> reference, Func<TCase, string> show)
    {
        for (var i = 0; i < cases.Count; i++)
        {
            var expected = reference(cases[i]);
            var where = $"case {i + 1} of {cases.Count}, {show(cases[i])}";
            double got;
            try
            {
                got = student(cases[i]);
            }
            catch (NotImplementedException e)
            {
                return new ExerciseResult(exercise, false, 0, $"not attempted yet: {e.Message}", Attempted: false);
            }
            catch (Exception e)
            {
                return new ExerciseResult(exercise, false, i + 1, $"{where}: your function threw {e.GetType().Name}: {FirstLine(e.Message)}");
            }
            if (!Close(expected, got, 1e-9))
            {
                return new ExerciseResult(exercise, false, i + 1, $"{where}: expected {Number(expected)} but your function returned {Number(got)}");
            }
        }
        return new ExerciseResult(exercise, true, cases.Count, $"passed all {cases.Count} cases");
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static bool Close(double expected, double got, double rtol = 1e-6) => Math.Abs(expected - got) <= rtol * (1 + Math.Abs(expected));

    private static double[] Values(Tensor t) => t.to_type(ScalarType.Float64).cpu().data<double>().ToArray();

    private static string Number(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    private static string Numbers(IReadOnlyCollection<double> values) =>
        "[" + string.Join(", ", values.Take(40).Select(Number)) + (values.Count > 40 ? $", ... ({values.Count} in all)" : "") + "]";
}
