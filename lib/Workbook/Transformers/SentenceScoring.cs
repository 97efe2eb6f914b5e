using TorchSharp;
using Workbook.Text;
using static TorchSharp.torch;

namespace Workbook.Transformers;

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
            foreach (var sentence in sentences)
            {
                using var scope = NewDisposeScope();
                var ids = tokenizer.Encode(boundary + sentence);                 // boundary, then the sentence
                var tokens = tensor(ids.Select(i => (long)i).ToArray());
                // Targets 1 .. min(n, context+1)-1 in one pass: target t sees tokens [0, t).
                var firstEnd = Math.Min(ids.Length, context + 1);
                var logits = model.forward(tokens[..(firstEnd - 1)].unsqueeze(0))[0];            // [firstEnd-1, V]
                totalNats += nn.functional.cross_entropy(logits, tokens[1..firstEnd], reduction: nn.Reduction.Sum).item<float>();
                // Longer sentences (rare): each later target sees the `context` tokens right before it.
                for (var t = firstEnd; t < ids.Length; t++)
                {
                    var last = model.forward(tokens[(t - context)..t].unsqueeze(0))[0, -1];       // [V]
                    totalNats -= last.log_softmax(-1)[ids[t]].item<float>();
                }
                totalCharacters += ids.Length - 1;
            }
        }
        model.train(wasTraining);
        return totalNats / totalCharacters;
    }
}
