using TorchSharp;
using Workbook.Attention;
using Workbook.Convnets;
using Workbook.DeepNets;
using Workbook.Exercises;
using Workbook.Optimization;
using Workbook.Recurrent;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Exercises;

// Each plugged-in cell of notebooks 02, 04b, 07 and 14 ends with Plugged.CheckedBy(check).Outcome(...): a deliberately wrong
// function plugged into the same seam must come out reported against the reference's run, with the warning that it failed its check.
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class PluggedSeamsTests
{
    private static void AssertReportedWorse(PluggedOutcome outcome)
    {
        var text = outcome.ToString();
        Assert.True(outcome.RanYours, text);
        Assert.False(outcome.AsGoodAsReference, text);
        Assert.Contains("worse than the reference's", text);
        Assert.Contains("Warning: your function failed its own check", text);
    }

    [Fact]
    public void A_wrong_Adam_rule_in_notebook_02s_seam_is_reported_against_the_librarys_Adam()
    {
        // the square root forgotten: the step is divided by v̂ instead of √v̂ (Rosenbrock's gradients are large, so it crawls)
        AdamStep Wrong(Tensor theta, Tensor g, Tensor m, Tensor v, int k, AdamConfig c)
        {
            var m1 = c.Beta1 * m + (1 - c.Beta1) * g;
            var v1 = c.Beta2 * v + (1 - c.Beta2) * g * g;
            var mHat = m1 / (1 - Math.Pow(c.Beta1, k));
            var vHat = v1 / (1 - Math.Pow(c.Beta2, k));
            return new AdamStep(theta - c.LearningRate * mHat / (vHat + c.Epsilon), m1, v1);
        }
        var check = OptimizationExercises.CheckAdamUpdate(Wrong);
        Assert.False(check.Passed);
        var plugged = OptimizationExercises.PlugAdam(Wrong);
        var banana = new Rosenbrock();
        var yours = Trajectory.Run(banana, p => new AdamScratch(p, new AdamConfig(0.1), plugged.Function), 200);
        var reference = Trajectory.Run(banana, p => new AdamScratch(p, new AdamConfig(0.1)), 200);
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("Rosenbrock loss after 200 steps", yours.Loss[^1], reference.Loss[^1], higherIsBetter: false, sameWithin: 1e-12));
    }

    [Fact]
    public void A_wrong_IoU_in_notebook_04bs_seam_is_reported_against_the_worked_answer()
    {
        (double Iou, double Giou) Wrong(Box a, Box b)   // intersection over the smaller box, not the union
        {
            var intersection = Boxes.Intersection(a, b);
            var iou = intersection / Math.Min(a.Area, b.Area);
            return (iou, iou);
        }
        var check = VisionExercises.CheckOverlap(Wrong);
        Assert.False(check.Passed);
        var plugged = VisionExercises.PlugOverlap(Wrong);
        var boxes = new[] { new Box(1, 1, 5, 5), new Box(2, 1, 6, 5), new Box(1, 2, 5, 6), new Box(7, 6, 10, 9), new Box(7, 7, 10, 10), new Box(3, 3, 8, 8) };
        var scores = new[] { 0.9, 0.8, 0.7, 0.75, 0.6, 0.5 };
        var kept = Boxes.NonMaxSuppression(boxes, scores, 0.5, (a, b) => plugged.Function(a, b).Iou);
        var worked = new[] { 0, 3, 4, 5 };
        var differently = kept.Except(worked).Count() + worked.Except(kept).Count();
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("boxes NMS keeps or drops unlike the worked answer", differently, 0, higherIsBetter: false));
    }

    [Fact]
    public void A_wrong_beam_step_in_notebook_07s_seam_is_reported_against_the_librarys_search()
    {
        // a sign slip: each hypothesis proposes its least probable token
        (IReadOnlyList<Hypothesis> Alive, IReadOnlyList<Hypothesis> Ended) Wrong(IReadOnlyList<Hypothesis> alive, double[][] next, int k, int end)
        {
            var beam = new List<Hypothesis>();
            var ended = new List<Hypothesis>();
            for (var parent = 0; parent < alive.Count && beam.Count < k; parent++)
            {
                var token = Enumerable.Range(0, next[parent].Length).OrderBy(t => next[parent][t]).First();
                var hypothesis = new Hypothesis(alive[parent].Tokens.Append(token).ToArray(), alive[parent].LogProbability + next[parent][token], token == end);
                (token == end ? ended : beam).Add(hypothesis);
            }
            return (beam, ended);
        }
        var check = SequenceExercises.CheckBeamStep(Wrong);
        Assert.False(check.Passed);
        var model = new TransitionTableDecoder(new[,] { { 0.1, 0.5, 0.4 }, { 0.6, 0.2, 0.2 }, { 0.3, 0.3, 0.4 } }, startToken: 1, endToken: 0);
        var plugged = SequenceExercises.PlugBeamStep(Wrong);
        var library = Decoding.BeamSearch(model, 2, 6, lengthNormalization: 0);
        var yours = Decoding.BeamSearch(model, 2, 6, lengthNormalization: 0, step: plugged.Function);
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("log-probability of the best hypothesis", yours.Best.LogProbability, library.Best.LogProbability, higherIsBetter: true, sameWithin: 1e-12));
    }

    [Fact]
    public void A_wrong_sampling_distribution_in_notebook_14s_seam_is_reported_against_the_librarys_draws()
    {
        Tensor Wrong(Tensor logits, double temperature, int? topK) => logits.softmax(-1);   // ignores T and k
        var check = TransformerExercises.CheckNextTokenDistribution(Wrong);
        Assert.False(check.Passed);
        random.manual_seed(0);
        var model = new Gpt(new GptConfig(VocabularySize: 11, ContextLength: 8, Width: 16, Heads: 2, Layers: 1));
        var plugged = TransformerExercises.PlugNextTokenDistribution(Wrong);
        // measure: share of drawn tokens outside each step's top 3 (0 for the library's top-k 3 sampler by construction)
        using var generator = new Generator(3);
        var samples = model.GenerateMany(new[] { 1 }, 64, 6, 1.5, 3, generator, plugged.Function);
        var outside = 0;
        var total = 0;
        using (no_grad())
        {
            foreach (var sample in samples)
            {
                for (var t = 1; t < sample.Length; t++)
                {
                    var logits = model.call(tensor(sample[..t].Select(x => (long)x).ToArray()).unsqueeze(0))[0, -1];
                    var kth = logits.topk(3).values[2].item<float>();
                    outside += logits[sample[t]].item<float>() < kth ? 1 : 0;
                    total++;
                }
            }
        }
        AssertReportedWorse(plugged.CheckedBy(check).Outcome("share of drawn tokens outside the top 3", (double)outside / total, 0, higherIsBetter: false));
    }

    [Fact]
    public void A_student_function_that_hits_a_libtorch_error_gets_a_one_line_message()
    {
        // a shape mismatch libtorch reports (with its native frames in the exception's message)
        var result = Exercise.CheckTensors("sum of rows", x => x[0] + x[1], x => x[0] + x[1].t(), new[] { new[] { ones(2, 3), ones(3, 2) } });
        Assert.False(result.Passed);
        Assert.DoesNotContain("\n", result.Message);
        Assert.DoesNotContain("frame #", result.Message);
        Assert.DoesNotContain("Exception raised from", result.Message);
        Assert.Contains("your function threw", result.Message);
    }

    [Fact]
    public void Backward_exercises_cannot_be_passed_with_autograd()
    {
        (Tensor, Tensor, Tensor) ByAutograd(Tensor a, Tensor gamma, Tensor delta, double epsilon)
        {
            var x = a.detach().clone().requires_grad_(true);
            var g = gamma.detach().clone().requires_grad_(true);
            var b = zeros_like(gamma).requires_grad_(true);
            nn.functional.batch_norm(x, null, null, g, b, training: true, eps: epsilon).backward(new[] { delta });
            return (x.grad!, g.grad!, b.grad!);
        }
        var result = DeepNetsExercises.CheckBatchNormBackward(ByAutograd);
        Assert.False(result.Passed);
        Assert.Contains("autograd switched off", result.Message);
        Assert.DoesNotContain("\n", result.Message);
    }

    [Fact]
    public void Attention_exercises_cannot_be_passed_by_calling_the_library()
    {
        var viaLibrary = AttentionExercises.CheckScaledDotProductAttention((q, k, v, lengths, causal) =>
        {
            var keep = lengths is null ? null : Masks.Padding(lengths, k.shape[^2]);
            if (keep is not null && q.dim() == 4) keep = keep.unsqueeze(1);
            var r = DotProductAttention.Attend(q, k, v, keep, causal);
            return (r.Context, r.Weights);
        });
        Assert.False(viaLibrary.Passed);
        Assert.Contains("DotProductAttention.Attend is switched off", viaLibrary.Message);

        var viaScore = SequenceExercises.CheckAdditiveAttentionContext((s, h, wq, wk, b, v) =>
        {
            var score = new AdditiveScore(wq.shape[1], wk.shape[1], wq.shape[0]).to(float64);
            using (no_grad())
            {
                score.Wq.copy_(wq); score.Wk.copy_(wk); score.B.copy_(b); score.V.copy_(v.unsqueeze(0));
            }
            return AttentionPooling.Attend(score, s.unsqueeze(1), h, h).Context.squeeze(1);
        });
        Assert.False(viaScore.Passed);
        Assert.Contains("is switched off", viaScore.Message);

        // and outside a check the calls work as before
        Assert.Equal(new long[] { 1, 2, 3 }, DotProductAttention.Attend(ones(1, 2, 4), ones(1, 5, 4), ones(1, 5, 3)).Context.shape);
    }

    [Fact]
    public void A_prediction_is_compared_with_the_measurement()
    {
        var right = Exercise.CheckPrediction("ratio", () => 3.16, 3.1623, 0.01, "first step ratio", "ε explains the rest");
        Assert.True(right.Passed, right.Message);
        var wrong = Exercise.CheckPrediction("ratio", () => 0.316, 3.1623, 0.01, "first step ratio", "ε explains the rest");
        Assert.False(wrong.Passed);
        Assert.Contains("you predicted 0.316, the run measured 3.1623", wrong.Message);
        var stub = Exercise.CheckPrediction("ratio", () => throw new NotImplementedException("Exercise 2"), 3.1623, 0.01, "first step ratio", "");
        Assert.False(stub.Attempted);
    }
}
