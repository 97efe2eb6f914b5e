using TorchSharp;
using Workbook.Transformers;
using static TorchSharp.torch;

namespace Workbook.Text;

/// <summary>
/// Scores whole sentences under a character-level language model, in the same units as the
/// grammar's entropy rate: total -log p(character) over every character of every sentence
/// (newline included), divided by the number of characters. Each sentence is read after a
/// newline (the sentence boundary the model saw in training), and nothing from other sentences,
/// so the model gets exactly the information the grammar's probability uses (characters further
/// than the context length back are out of the model's sight).
/// </summary>
public static class SentenceScoring
{
    /// <summary>Nats per character of <paramref name="sentences"/> (each ending in ".\n") under <paramref name="model"/>.</summary>
    public static double NatsPerCharacter(Gpt model, ITokenizer tokenizer, IReadOnlyList<string> sentences, string boundary = "\n")
    {
        var wasTraining = model.training;
        model.eval();
        var totalNats = 0.0;
        long totalCharacters = 0;
        var context = model.Config.ContextLength;
        using (no_grad())
        {
            var encoded = sentences.Select(s => tokenizer.Encode(boundary + s)).ToArray();
            // Sentences that fit in the context, in batches: right-padding never changes earlier positions of a causal model.
            var fitting = encoded.Where(ids => ids.Length <= context + 1).ToArray();
            foreach (var batch in fitting.Chunk(64))
            {
                using var scope = NewDisposeScope();
                var length = batch.Max(ids => ids.Length);
                var padded = batch.SelectMany(ids => ids.Select(i => (long)i).Concat(Enumerable.Repeat(-1L, length - ids.Length))).ToArray();
                var tokens = tensor(padded).view(batch.Length, length);                                  // [N, L], -1 = padding
                var logits = model.call(tokens[.., ..^1].clamp_min(0));                                // [N, L-1, V]
                var targets = tokens[.., 1..];                                                            // [N, L-1]
                totalNats += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index: -1, reduction: nn.Reduction.Sum).item<float>();
                totalCharacters += batch.Sum(ids => ids.Length - 1);
            }
            foreach (var ids in encoded.Where(ids => ids.Length > context + 1))
            {
                using var scope = NewDisposeScope();
                var tokens = tensor(ids.Select(i => (long)i).ToArray());
                // Targets 1 .. context in one pass (target t sees tokens [0, t)); each later one sees the `context` tokens before it.
                var logits = model.call(tokens[..context].unsqueeze(0))[0];                            // [context, V]
                totalNats += nn.functional.cross_entropy(logits, tokens[1..(context + 1)], reduction: nn.Reduction.Sum).item<float>();
                for (var t = context + 1; t < ids.Length; t++)
                {
                    var last = model.call(tokens[(t - context)..t].unsqueeze(0))[0, -1];               // [V]
                    totalNats -= last.log_softmax(-1)[ids[t]].item<float>();
                }
                totalCharacters += ids.Length - 1;
            }
        }
        model.train(wasTraining);
        return totalNats / totalCharacters;
    }
}
