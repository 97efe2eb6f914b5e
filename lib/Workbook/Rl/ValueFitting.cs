using TorchSharp;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Rl;

/// <summary>Regression of a critic V_φ on value targets, as REINFORCE's baseline, off-policy PG and TRPO fit theirs.</summary>
public static class ValueFitting
{
    /// <summary>The mean squared error E[(V(s) − target)²], the default critic loss of the regression.</summary>
    public static Tensor SquaredError(Tensor values, Tensor targets)
    {
        var error = values - targets;
        return (error * error).mean();
    }

    /// <summary>
    /// <paramref name="epochs"/> passes of <paramref name="optimizer"/> over (observations [N, obs], targets [N]): the whole
    /// batch per step when <paramref name="minibatchSize"/> is null, otherwise minibatches in an order drawn from
    /// <paramref name="random"/> each pass. <paramref name="loss"/> defaults to <see cref="SquaredError"/>.
    /// Returns the mean loss over all steps and the loss of the last step.
    /// </summary>
    public static (double Mean, double Last) Fit(nn.Module<Tensor, Tensor> value, optim.Optimizer optimizer, Tensor observations, Tensor targets,
        int epochs, int? minibatchSize = null, Random? random = null, Func<Tensor, Tensor, Tensor>? loss = null)
    {
        loss ??= SquaredError;
        var n = (int)observations.shape[0];
        double total = 0, last = double.NaN;
        var count = 0;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            if (minibatchSize is not { } size)
            {
                using var scope = NewDisposeScope();
                last = Step(value.call(observations), targets);
                continue;
            }
            var order = Minibatches.Permutation(n, random ?? throw new ArgumentNullException(nameof(random), "minibatches need a Random for their order"));
            for (var start = 0; start < n; start += size)
            {
                using var scope = NewDisposeScope();
                var indices = tensor(order[start..Math.Min(start + size, n)]);
                last = Step(value.call(observations.index_select(0, indices)), targets.index_select(0, indices));
            }
        }
        return (total / count, last);

        double Step(Tensor predicted, Tensor target)
        {
            var l = loss(predicted, target);
            optimizer.zero_grad();
            l.backward();
            optimizer.step();
            var v = l.item<float>();
            total += v;
            count++;
            return v;
        }
    }
}
