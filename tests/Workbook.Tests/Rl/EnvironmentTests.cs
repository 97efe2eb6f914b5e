using TorchSharp;
using Workbook.Rl.Environments;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl;

public sealed class EnvironmentTests
{
    // Barto, Sutton & Anderson's cart-pole, written out independently of the library (Gym CartPole-v1 constants).
    private static double[] ReferenceCartPoleStep(double[] s, int action)
    {
        const double g = 9.8, mc = 1.0, mp = 0.1, l = 0.5, f = 10.0, tau = 0.02;
        var (x, xd, th, thd) = (s[0], s[1], s[2], s[3]);
        var force = action == 1 ? f : -f;
        var temp = (force + mp * l * thd * thd * Math.Sin(th)) / (mc + mp);
        var thacc = (g * Math.Sin(th) - Math.Cos(th) * temp) / (l * (4.0 / 3.0 - mp * Math.Cos(th) * Math.Cos(th) / (mc + mp)));
        var xacc = temp - mp * l * thacc * Math.Cos(th) / (mc + mp);
        return new[] { x + tau * xd, xd + tau * xacc, th + tau * thd, thd + tau * thacc };
    }

    [Fact]
    public void CartPoleFollowsThePublishedEquationsStepByStep()
    {
        var env = new CartPole();
        var state = env.ResetTo(new[] { 0.01, -0.02, 0.03, 0.04 });
        var actions = new[] { 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0 };
        foreach (var a in actions)
        {
            var expected = ReferenceCartPoleStep(state, a);
            var result = env.Step(a);
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(expected[i], result.Observation[i], 12);
            }
            Assert.Equal(1.0, result.Reward);
            var fell = Math.Abs(expected[0]) > 2.4 || Math.Abs(expected[2]) > 12 * 2 * Math.PI / 360;
            Assert.Equal(fell, result.Terminated);
            state = expected;
            if (result.Done)
            {
                break;
            }
        }
    }

    [Fact]
    public void CartPoleResetIsSeededAndSmall()
    {
        var a = new CartPole().Reset(seed: 7);
        var b = new CartPole().Reset(seed: 7);
        var c = new CartPole().Reset(seed: 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a, v => Assert.InRange(v, -0.05, 0.05));
    }

    [Fact]
    public void CartPoleReportsTerminationAndTruncationApart()
    {
        // Always pushing right: the pole falls within a few dozen steps, a termination and not a truncation.
        var env = new CartPole();
        env.Reset(seed: 1);
        StepResult step;
        var steps = 0;
        do
        {
            step = env.Step(1);
            steps++;
        }
        while (!step.Done);
        Assert.True(step.Terminated);
        Assert.False(step.Truncated);
        Assert.InRange(steps, 5, 60);
        Assert.Throws<InvalidOperationException>(() => env.Step(1));

        // A balancing controller keeps the pole up: the episode is truncated at exactly 500 steps, not terminated.
        env.Reset(seed: 2);
        steps = 0;
        var s = env.State;
        do
        {
            var action = 0.05 * s[0] + 0.2 * s[1] + 3.0 * s[2] + 0.6 * s[3] > 0 ? 1 : 0;
            step = env.Step(action);
            s = step.Observation;
            steps++;
        }
        while (!step.Done);
        Assert.Equal(500, steps);
        Assert.True(step.Truncated);
        Assert.False(step.Terminated);
    }

    [Fact]
    public void BadActionsAreRejectedWithTheActionAndTheSpaceNamed()
    {
        var cartPole = new CartPole();
        cartPole.Reset(seed: 0);
        var error = Assert.Throws<ArgumentException>(() => cartPole.Step(2));
        Assert.Contains("action 2", error.Message);
        Assert.Contains("Discrete(2)", error.Message);

        var pendulum = new Pendulum();
        pendulum.Reset(seed: 0);
        var tooBig = Assert.Throws<ArgumentException>(() => pendulum.Step(new[] { 3.0 }));
        Assert.Contains("[3]", tooBig.Message);
        Assert.Contains("Box(low=[-2], high=[2])", tooBig.Message);
        var wrongLength = Assert.Throws<ArgumentException>(() => pendulum.Step(new[] { 0.0, 1.0 }));
        Assert.Contains("2 numbers but the space has 1", wrongLength.Message);
        Assert.Throws<ArgumentException>(() => new GridWorld().Step(-1));
    }

    [Fact]
    public void PendulumFollowsGymsEquations()
    {
        var env = new Pendulum();
        env.Reset(seed: 3);
        for (var k = 0; k < 50; k++)
        {
            var (th, thd) = env.State;
            var u = Math.Sin(k) * 2;
            var normalized = ((th + Math.PI) % (2 * Math.PI) + 2 * Math.PI) % (2 * Math.PI) - Math.PI;
            var cost = normalized * normalized + 0.1 * thd * thd + 0.001 * u * u;
            var newThd = Math.Clamp(thd + (3 * 10.0 / 2 * Math.Sin(th) + 3.0 * u) * 0.05, -8, 8);
            var newTh = th + newThd * 0.05;
            var step = env.Step(new[] { u });
            Assert.Equal(-cost, step.Reward, 12);
            Assert.Equal(Math.Cos(newTh), step.Observation[0], 12);
            Assert.Equal(Math.Sin(newTh), step.Observation[1], 12);
            Assert.Equal(newThd, step.Observation[2], 12);
            Assert.False(step.Terminated);
        }
    }

    [Fact]
    public void PendulumIsTruncatedAfter200Steps()
    {
        var env = new Pendulum();
        env.Reset(seed: 0);
        for (var k = 1; k <= 200; k++)
        {
            var step = env.Step(new[] { 0.0 });
            Assert.Equal(k == 200, step.Truncated);
            Assert.False(step.Terminated);
        }
    }

    [Fact]
    public void GridWorldReachesTheGoalAndFallsIntoTraps()
    {
        var env = new GridWorld(3, 3, traps: new[] { (1, 1) });
        env.Reset();
        Assert.False(env.Step(1).Done);   // (0, 1)
        Assert.False(env.Step(1).Done);   // (0, 2)
        Assert.False(env.Step(2).Done);   // (1, 2)
        var goal = env.Step(2);           // (2, 2)
        Assert.True(goal.Terminated);
        Assert.Equal(1.0, goal.Reward);
        Assert.Equal(1.0, goal.Observation[8]);

        env.Reset();
        env.Step(2);
        var trap = env.Step(1);           // (1, 1)
        Assert.True(trap.Terminated);
        Assert.Equal(-1.0, trap.Reward);
    }

    [Fact]
    public void VectorEnvironmentAutoResetsAndKeepsTheFinalObservation()
    {
        var env = VectorEnvironments.CartPole(3, seed: 0);
        var first = env.Reset(seed: 5);
        Assert.Equal(12, first.Length);
        Assert.Equal(new CartPole().Reset(seed: 6).Select(v => (float)v), first.Skip(4).Take(4));
        var alwaysRight = tensor(new long[] { 1, 1, 1 });
        var completed = 0;
        for (var t = 0; t < 100; t++)
        {
            var step = env.Step(alwaysRight);
            for (var i = 0; i < 3; i++)
            {
                if (step.Terminated[i])
                {
                    Assert.NotNull(step.FinalObservations[i]);
                    Assert.True(Math.Abs(step.FinalObservations[i]![2]) > 0.2);   // the pole had fallen
                    Assert.InRange(step.Observations[i * 4 + 2], -0.05f, 0.05f);  // new episode
                }
                else
                {
                    Assert.Null(step.FinalObservations[i]);
                }
            }
            foreach (var episode in step.CompletedEpisodes)
            {
                Assert.Equal(episode.Length, episode.Return);
                completed++;
            }
        }
        Assert.True(completed >= 6);
        Assert.Throws<ArgumentException>(() => env.Step(tensor(new long[] { 1, 1 })));
    }

    [Fact]
    public void VectorEnvironmentClipsContinuousActionsIntoTheBox()
    {
        var env = VectorEnvironments.Pendulum(2, seed: 0);
        env.Reset(seed: 0);
        var reference = new Pendulum();
        reference.Reset(seed: 0);
        var expected = reference.Step(new[] { 2.0 });
        var step = env.Step(tensor(new float[] { 50f, -50f }, new long[] { 2, 1 }));
        Assert.Equal((float)expected.Reward, step.Rewards[0], 5);
        Assert.Equal((float)expected.Observation[2], step.Observations[2], 5);
    }
}
