using Workbook.Data.Grammar;
using Workbook.Rl.Language;
using Workbook.Text;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Tests.Rl.Language;

/// <summary>The language MDP's transitions and rewards, the judges against the grammar, the KL estimators, the exercise's check.</summary>
[Collection(Workbook.Tests.Core.GlobalStateCollection.Name)]
public sealed class LanguageMdpTests
{
    private static readonly ProbabilisticGrammar Grammar = EnglishGrammar.Create();
    private static readonly CharacterTokenizer Tokenizer = new(Grammar.Alphabet);
    private static readonly int Newline = Tokenizer.Encode("\n")[0];

    private static LanguageMdp Mdp(int cap = 40) =>
        new(Tokenizer, new[] { Newline }, Newline, cap, SentenceJudge.PluralSubjectWithVerb(Grammar, "sing"));

    [Fact]
    public void Each_action_is_appended_and_only_the_last_step_is_rewarded_by_the_judge()
    {
        var mdp = Mdp();
        var state = mdp.Reset();
        Assert.Equal(new[] { Newline }, state.Tokens);
        var text = "two birds sing.\n";
        var steps = new List<LanguageStep>();
        foreach (var id in Tokenizer.Encode(text))
        {
            var step = mdp.Step(state, id);
            steps.Add(step);
            state = step.Next;
        }
        Assert.Equal(text.Length, state.Generated.Count);
        Assert.Equal(Tokenizer.Encode("\n" + text), state.Tokens);
        Assert.All(steps.SkipLast(1), s => Assert.False(s.Done));
        Assert.All(steps.SkipLast(1), s => Assert.Equal(0.0, s.Reward));
        Assert.True(steps[^1].Done);
        Assert.Equal(1.0, steps[^1].Reward);
        Assert.Equal("two birds sing.", mdp.Text(state));
        Assert.Throws<InvalidOperationException>(() => mdp.Step(state, Newline));
    }

    [Fact]
    public void The_cap_ends_an_episode_and_its_cut_text_is_judged_as_it_stands()
    {
        var mdp = Mdp(cap: 9);
        var state = mdp.Reset();
        LanguageStep? last = null;
        foreach (var id in Tokenizer.Encode("two birds sing."))
        {
            if (mdp.IsTerminal(state))
            {
                break;
            }
            last = mdp.Step(state, id);
            state = last.Next;
        }
        Assert.True(last!.Done);
        Assert.Equal(9, state.Generated.Count);
        Assert.Equal("two birds", mdp.Text(state));
        Assert.Equal(0.0, last.Reward);
        Assert.False(mdp.Ended(state.Generated));
    }

    [Theory]
    [InlineData("two old robots sing.", 1.0)]
    [InlineData("the foxes sing quickly.", 1.0)]
    [InlineData("many birds sing near the cat.", 1.0)]
    [InlineData("the fox sings.", 0.0)]             // singular subject
    [InlineData("two robots sings.", 0.0)]          // not a sentence of the grammar (agreement)
    [InlineData("two robots sing", 0.0)]            // no full stop
    [InlineData("two robots see the cats.", 0.0)]   // another verb
    [InlineData("sing sing sing.", 0.0)]
    public void The_judge_rewards_grammatical_sentences_with_a_plural_subject_and_the_verb(string text, double expected) =>
        Assert.Equal(expected, SentenceJudge.PluralSubjectWithVerb(Grammar, "sing").Score(text));

    [Fact]
    public void The_judges_reward_rate_on_the_grammars_own_sentences_matches_the_grammars_probability()
    {
        // P(plural subject) = P(plural determiner) + P("the") · 1/2; P("sing" | plural subject) = 0.4 · (1/3) / (1 + 1/2 + 1/3 + 1/4).
        var exact = (0.3 + 0.3 * 0.5) * 0.4 * (1.0 / 3) / (1 + 0.5 + 1.0 / 3 + 0.25);
        var judge = SentenceJudge.PluralSubjectWithVerb(Grammar, "sing");
        var random = new Random(5);
        const int samples = 20_000;
        var hits = Enumerable.Range(0, samples).Sum(_ => judge.Score(Grammar.Sample(random).Sentence.TrimEnd('\n')));
        var rate = hits / samples;
        var standardError = Math.Sqrt(exact * (1 - exact) / samples);
        Assert.True(Math.Abs(rate - exact) < 4 * standardError, $"rate {rate:F4}, exact {exact:F4} ± {standardError:F4}");
    }

    [Fact]
    public void The_loophole_judge_counts_the_word_sentence_or_not()
    {
        var judge = SentenceJudge.WordCount("sing", cap: 3);
        Assert.Equal(1.0, judge.Score("two birds sing."));
        Assert.Equal(3.0, judge.Score("sing sing sing sing sing."));
        Assert.Equal(2.0, judge.Score("birds sing sing"));
        Assert.Equal(0.0, judge.Score("the bird sings."));
        Assert.Throws<ArgumentException>(() => SentenceJudge.PluralSubjectWithVerb(Grammar, "cat"));
    }

    [Fact]
    public void The_exact_token_kl_matches_a_direct_sum_and_the_sample_estimate_is_unbiased()
    {
        var p = new[] { 0.5, 0.3, 0.2 };
        var q = new[] { 0.2, 0.2, 0.6 };
        var direct = p.Zip(q).Sum(x => x.First * Math.Log(x.First / x.Second));
        var logP = tensor(p).log();
        var logQ = tensor(q).log();
        Assert.Equal(direct, TokenKl.Exact(logP, logQ).item<double>(), 12);
        // E_{a~p}[log p(a) − log q(a)] = KL(p ‖ q): the mean of 200,000 one-sample estimates within 4 standard errors.
        var generator = new Generator(3);
        var actions = multinomial(tensor(p), 200_000, replacement: true, generator: generator);
        var estimates = TokenKl.SampleEstimate(logP.index_select(0, actions), logQ.index_select(0, actions));
        var mean = estimates.mean().item<double>();
        var standardError = estimates.std().item<double>() / Math.Sqrt(200_000);
        Assert.True(Math.Abs(mean - direct) < 4 * standardError, $"mean {mean:F5}, exact {direct:F5} ± {standardError:F5}");
        Assert.Equal(0.0, TokenKl.Exact(logP, logP).item<double>(), 12);
    }

    [Fact]
    public void The_reference_kl_penalised_reward_passes_the_check_and_a_reward_on_the_first_token_fails_it()
    {
        Assert.True(LanguageExercises.CheckKlPenalisedReward((r, p, q, m, b) =>
        {
            var last = (m.sum(1) - 1).to_type(ScalarType.Int64).unsqueeze(1);
            return -b * (p - q) * m + zeros_like(m).scatter(1, last, r.unsqueeze(1));
        }).Passed);
        // the library's own reward, reached through the plug while the student's function is a stub
        var plugged = LanguageExercises.PlugKlPenalisedReward((r, p, q, m, b) => throw new NotImplementedException());
        Assert.True(LanguageExercises.CheckKlPenalisedReward(plugged.Function).Passed);
        Assert.False(plugged.RanYours);
        var wrong = LanguageExercises.CheckKlPenalisedReward((r, p, q, m, b) =>
        {
            var penalty = -b * (p - q) * m;
            var first = zeros_like(penalty);
            first[TensorIndex.Colon, 0] = r;
            return penalty + first;
        });
        Assert.False(wrong.Passed);
        Assert.True(wrong.Attempted);
        var stub = LanguageExercises.CheckKlPenalisedReward((r, p, q, m, b) => throw new NotImplementedException());
        Assert.False(stub.Attempted);
    }

    [Fact]
    public void Advantages_are_zero_on_padding_and_normalised_over_the_actions_taken()
    {
        var rewards = tensor(new float[,] { { 0, 0, 1, 0 }, { 0, 0, 0, 0 }, { -0.1f, 0.2f, 0, 0 } });
        var mask = tensor(new float[,] { { 1, 1, 1, 0 }, { 1, 1, 1, 1 }, { 1, 1, 0, 0 } });
        var a = LanguageFineTuning.Advantages(rewards, mask);
        Assert.Equal(0f, (a * (1 - mask)).abs().sum().item<float>());
        Assert.Equal(0.0, (a.sum() / mask.sum()).item<float>(), 5);
        Assert.Equal(1.0, ((a * a).sum() / mask.sum()).item<float>(), 4);
    }

    [Fact]
    public void Sampled_episodes_are_masked_after_their_end_and_the_same_model_has_zero_kl()
    {
        manual_seed(0);
        var model = new Gpt(new GptConfig(Tokenizer.VocabularySize, ContextLength: 16, Layers: 1, Heads: 2, Width: 16));
        var mdp = Mdp(cap: 12);
        using var generator = new Generator(1);
        var batch = LanguageRollouts.Sample(model, model, mdp, 32, generator);
        var actions = batch.Actions.data<long>().ToArray();
        var mask = batch.Mask.data<float>().ToArray();
        var width = (int)batch.Actions.shape[1];
        for (var i = 0; i < 32; i++)
        {
            var row = actions.Skip(i * width).Take(width).ToArray();
            var end = Array.IndexOf(row, (long)Newline);
            for (var t = 0; t < width; t++)
            {
                Assert.Equal(end < 0 || t <= end ? 1f : 0f, mask[i * width + t]);
                if (end >= 0 && t > end)
                {
                    Assert.Equal(Newline, row[t]);
                }
            }
            Assert.Equal(end >= 0, batch.Ended[i]);
        }
        Assert.Equal(0.0, batch.SequenceKl, 6);
        Assert.Equal(0f, (batch.LogProbs - batch.ReferenceLogProbs).abs().max().item<float>());
    }

    [Fact]
    public void A_plugged_reward_makes_every_updates_rewards_for_both_algorithms()
    {
        manual_seed(1);
        var model = new Gpt(new GptConfig(Tokenizer.VocabularySize, ContextLength: 16, Layers: 1, Heads: 2, Width: 16));
        var before = model.parameters().Select(p => p.clone()).ToList();
        foreach (var algorithm in new[] { LanguageAlgorithm.Reinforce, LanguageAlgorithm.Ppo })
        {
            var calls = 0;
            var plugged = LanguageExercises.PlugKlPenalisedReward((r, p, q, m, b) =>
            {
                calls++;
                var last = (m.sum(1) - 1).to_type(ScalarType.Int64).unsqueeze(1);
                return -b * (p - q) * m + zeros_like(m).scatter(1, last, r.to_type(m.dtype).unsqueeze(1));
            });
            var lengthJudge = new LanguageMdp(Tokenizer, new[] { Newline }, Newline, 12, new SentenceJudge("length", t => t.Length));   // a reward that varies
            var result = LanguageFineTuning.Train(model, lengthJudge, new LanguageFineTuningConfig(algorithm, Updates: 3, BatchSize: 8, Epochs: 2, Minibatches: 2),
                Grammar.Accepts, plugged.Function);
            Assert.Equal(3, calls);
            Assert.True(plugged.RanYours);
            Assert.Equal(3, result.Log.Count);
            Assert.All(result.Log.Column("kl"), v => Assert.True(double.IsFinite(v) && v >= 0));
            Assert.Equal(0.0, result.Log.Column("kl")[0], 5);                     // the first batch comes from the reference itself
            Assert.Contains(result.Policy.parameters().Zip(model.parameters()), p => (p.First - p.Second).abs().max().item<float>() > 0);
        }
        Assert.All(model.parameters().Zip(before), p => Assert.Equal(0f, (p.First - p.Second).abs().max().item<float>()));   // the reference is left alone
    }
}
