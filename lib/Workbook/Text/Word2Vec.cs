using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbook.Text;

/// <summary>
/// word2vec skip-gram with negative sampling (Notes §6.8.1): every word has a centre vector v and
/// a context vector u; for each (centre c, context o) pair within the window and k random "noise"
/// words w drawn from the unigram distribution raised to 3/4, maximise
///   log σ(u_oᵀ v_c) + Σ_w log σ(-u_wᵀ v_c).
/// The word's embedding is the average (u + v) / 2, as the notes suggest.
/// </summary>
public sealed class Word2Vec : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Embedding centre;

    private readonly Embedding context;

    /// <summary>A model for <paramref name="vocabulary"/> words in <paramref name="dimension"/> dimensions.</summary>
    public Word2Vec(int vocabulary, int dimension) : base(nameof(Word2Vec))
    {
        centre = nn.Embedding(vocabulary, dimension);
        context = nn.Embedding(vocabulary, dimension);
        using (no_grad())
        {
            centre.weight!.uniform_(-0.5 / dimension, 0.5 / dimension);
            context.weight!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Context vectors u [vocabulary, dimension].</summary>
    public Embedding Context => context;

    /// <summary>Centre vectors v [vocabulary, dimension].</summary>
    public Embedding Centre => centre;

    /// <summary>
    /// Negative-sampling loss for centres [N], true contexts [N] and noise words [N, k]:
    /// mean over pairs of -log σ(u_o·v_c) - Σ_w log σ(-u_w·v_c).
    /// </summary>
    public Tensor Loss(Tensor centres, Tensor contexts, Tensor noise) => call(centres, contexts, noise);

    /// <summary>The negative-sampling loss (see <see cref="Loss"/>, which callers use).</summary>
    public override Tensor forward(Tensor centres, Tensor contexts, Tensor noise)
    {
        using var scope = NewDisposeScope();
        var v = centre.call(centres);                                   // [N, d]
        var u = context.call(contexts);                                 // [N, d]
        var uNoise = context.call(noise);                               // [N, k, d]
        var positive = nn.functional.logsigmoid((u * v).sum(-1));          // log σ(u_o·v_c): [N]
        var negative = nn.functional.logsigmoid(-uNoise.matmul(v.unsqueeze(-1)).squeeze(-1)).sum(-1); // Σ log σ(-u_w·v_c): [N]
        return (-(positive + negative)).mean().MoveToOuterDisposeScope();
    }

    /// <summary>The embeddings (u + v) / 2: [vocabulary, dimension].</summary>
    public Tensor Embeddings()
    {
        using var noGrad = no_grad();
        return (centre.weight! + context.weight!) / 2;
    }

    /// <summary>All (centre, context) pairs of <paramref name="tokens"/> within ±<paramref name="window"/> positions: two tensors [pairs].</summary>
    public static (Tensor Centres, Tensor Contexts) Pairs(IReadOnlyList<int> tokens, int window)
    {
        var centres = new List<long>();
        var contexts = new List<long>();
        for (var offset = 1; offset <= window; offset++)
        {
            for (var i = 0; i + offset < tokens.Count; i++)
            {
                centres.Add(tokens[i]);
                contexts.Add(tokens[i + offset]);
                centres.Add(tokens[i + offset]);
                contexts.Add(tokens[i]);
            }
        }
        return (tensor(centres.ToArray()), tensor(contexts.ToArray()));
    }

    /// <summary>
    /// Trains on <paramref name="tokens"/> with Adam: <paramref name="steps"/> mini-batches of
    /// <paramref name="batchSize"/> pairs, <paramref name="negatives"/> noise words per pair.
    /// Returns the loss of each step.
    /// </summary>
    public IReadOnlyList<double> Train(IReadOnlyList<int> tokens, int window = 2, int negatives = 5, int steps = 2000, int batchSize = 512,
        double learningRate = 0.01, int seed = 0)
    {
        var vocabulary = centre.weight!.shape[0];
        var (centres, contexts) = Pairs(tokens, window);
        using var _ = centres;
        using var __ = contexts;
        var counts = new double[vocabulary];
        foreach (var t in tokens)
        {
            counts[t]++;
        }
        using var noiseDistribution = tensor(counts.Select(c => Math.Pow(c, 0.75)).ToArray()).to(ScalarType.Float32); // unigram^{3/4}
        using var generator = new Generator((ulong)seed);
        using var optimizer = optim.Adam(parameters(), learningRate);
        var losses = new List<double>(steps);
        for (var step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var pick = randint(0, centres.shape[0], new long[] { batchSize }, generator: generator);
            var noise = multinomial(noiseDistribution, batchSize * negatives, replacement: true, generator: generator).view(batchSize, negatives);
            optimizer.zero_grad();
            var loss = Loss(centres[pick], contexts[pick], noise);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        return losses;
    }

    /// <summary>The <paramref name="k"/> words most cosine-similar to word <paramref name="word"/> (itself excluded), with similarities.</summary>
    public IReadOnlyList<(int Word, double Similarity)> Nearest(int word, int k)
    {
        using var scope = NewDisposeScope();
        var embeddings = nn.functional.normalize(Embeddings(), p: 2, dim: 1);   // [V, d], unit rows
        var similarity = embeddings.matmul(embeddings[word]);                   // [V]
        similarity[word] = tensor(float.NegativeInfinity);
        var (values, indices) = similarity.topk(k);
        var v = values.data<float>().ToArray();
        var i = indices.data<long>().ToArray();
        return i.Select((w, n) => ((int)w, (double)v[n])).ToArray();
    }
}
