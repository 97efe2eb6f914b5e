using Workbook.Recurrent;

namespace Workbook.Tests.Recurrent;

public sealed class BeamStepExerciseTests
{
    // A beam step written from the notes (Algorithm 8) without the library: top k per hypothesis, best total first,
    // ties by (parent, token rank), end tokens set aside until the beam holds k.
    private static (IReadOnlyList<Hypothesis> Alive, IReadOnlyList<Hypothesis> Ended) Step(
        IReadOnlyList<Hypothesis> alive, double[][] next, int k, int end, bool allTokens = false, bool countEnded = false)
    {
        var candidates = alive.SelectMany((h, parent) => Enumerable.Range(0, next[parent].Length)
                .Where(token => !double.IsNegativeInfinity(next[parent][token]))
                .OrderByDescending(token => next[parent][token]).ThenBy(token => token)
                .Take(allTokens ? int.MaxValue : k)
                .Select(token => (Tokens: h.Tokens.Append(token).ToArray(), LogP: h.LogProbability + next[parent][token], Token: token)))
            .Select((c, order) => (c, order))
            .OrderByDescending(p => p.c.LogP).ThenBy(p => p.order)
            .Select(p => p.c);
        var beam = new List<Hypothesis>();
        var ended = new List<Hypothesis>();
        foreach (var c in candidates)
        {
            if (beam.Count + (countEnded ? ended.Count : 0) == k)
            {
                break;
            }
            (c.Token == end ? ended : beam).Add(new Hypothesis(c.Tokens, c.LogP, c.Token == end));
        }
        return (beam, ended);
    }

    [Fact]
    public void A_step_written_from_the_notes_passes()
    {
        var result = SequenceExercises.CheckBeamStep((a, n, k, e) => Step(a, n, k, e));
        Assert.True(result.Passed, result.Message);
    }

    [Fact]
    public void Proposing_every_token_instead_of_the_top_k_fails_with_the_step_and_both_beams()
    {
        var result = SequenceExercises.CheckBeamStep((a, n, k, e) => Step(a, n, k, e, allTokens: true));

        Assert.False(result.Passed);
        Assert.StartsWith("case 1 of 6, step 2 of 2: from state alive [[1] -0.693147; [2] -0.916291], ended [] with input log p [-0.510826, -1.60944, -1.60944] [-1.20397, -1.20397, -0.916291] with k = 2, end token 0", result.Message);
        Assert.EndsWith("expected alive [[2 2] -1.83258; [1 1] -2.30259], ended [[1 0] -1.20397 ended; [2 0] -2.12026 ended] but your function returned alive [[2 2] -1.83258; [2 1] -2.12026], ended [[1 0] -1.20397 ended; [2 0] -2.12026 ended]", result.Message);
    }

    [Fact]
    public void Counting_ended_hypotheses_against_the_beam_width_fails()
    {
        var result = SequenceExercises.CheckBeamStep((a, n, k, e) => Step(a, n, k, e, countEnded: true));
        Assert.False(result.Passed);
        Assert.Contains("case 1 of 6, step 2 of 2", result.Message);
    }

    [Fact]
    public void A_plugged_step_drives_beam_search_and_a_stub_falls_back_to_the_library()
    {
        var model = new TransitionTableDecoder(new[,] { { 0.1, 0.5, 0.4 }, { 0.6, 0.2, 0.2 }, { 0.3, 0.3, 0.4 } }, startToken: 1, endToken: 0);
        var library = Decoding.BeamSearch(model, 2, 6);

        var yours = SequenceExercises.PlugBeamStep((a, n, k, e) => Step(a, n, k, e));
        var withYours = Decoding.BeamSearch(model, 2, 6, step: yours.Function);
        Assert.True(yours.RanYours);
        Assert.Equal(library.Best.Tokens, withYours.Best.Tokens);
        Assert.Equal(library.Expansions, withYours.Expansions);

        var stub = SequenceExercises.PlugBeamStep((_, _, _, _) => throw new NotImplementedException("Exercise 1"));
        Assert.Equal(library.Best.Tokens, Decoding.BeamSearch(model, 2, 6, step: stub.Function).Best.Tokens);
        Assert.False(stub.RanYours);
        Assert.Contains("not attempted yet", stub.ToString());
    }

    [Fact]
    public void A_step_that_returns_a_hypothesis_from_nowhere_is_named()
    {
        var model = new TransitionTableDecoder(new[,] { { 0.1, 0.5, 0.4 }, { 0.6, 0.2, 0.2 }, { 0.3, 0.3, 0.4 } }, startToken: 1, endToken: 0);
        var error = Assert.Throws<InvalidOperationException>(() => Decoding.BeamSearch(model, 2, 6,
            step: (_, _, _, _) => (new[] { new Hypothesis(new[] { 2, 2 }, -1, false) }, Array.Empty<Hypothesis>())));
        Assert.Contains("[2, 2], which extends no hypothesis of the beam", error.Message);
    }
}
