namespace Workbook.Data.Sequences;

/// <summary>
/// A token list with three reserved entries: <see cref="Pad"/> = 0 (fills short sequences in a batch),
/// <see cref="Start"/> = 1 (fed to a decoder at its first step) and <see cref="End"/> = 2 (ends an output).
/// </summary>
public sealed class Vocabulary
{
    /// <summary>Padding token id.</summary>
    public const int Pad = 0;

    /// <summary>Start-of-sequence token id.</summary>
    public const int Start = 1;

    /// <summary>End-of-sequence token id.</summary>
    public const int End = 2;

    private readonly Dictionary<string, int> ids = new();
    private readonly List<string> tokens = new() { "<pad>", "<s>", "</s>" };

    /// <summary>Creates a vocabulary from distinct tokens (ids 3, 4, ... in the given order).</summary>
    public Vocabulary(IEnumerable<string> distinctTokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            ids[tokens[i]] = i;
        }
        foreach (var token in distinctTokens)
        {
            if (ids.ContainsKey(token))
            {
                throw new ArgumentException($"Token '{token}' appears twice (or is reserved).", nameof(distinctTokens));
            }
            ids[token] = tokens.Count;
            tokens.Add(token);
        }
    }

    /// <summary>Number of ids, reserved ones included.</summary>
    public int Count => tokens.Count;

    /// <summary>Every token by id.</summary>
    public IReadOnlyList<string> Tokens => tokens;

    /// <summary>The id of a token.</summary>
    public int this[string token] => ids.TryGetValue(token, out var id)
        ? id
        : throw new ArgumentException($"Token '{token}' is not in the vocabulary ({Count} tokens: {string.Join(" ", tokens.Take(12))}{(Count > 12 ? " ..." : "")}).", nameof(token));

    /// <summary>Ids of the tokens.</summary>
    public int[] Encode(IEnumerable<string> sequence) => sequence.Select(t => this[t]).ToArray();

    /// <summary>Tokens of the ids, stopping at <see cref="End"/> and skipping <see cref="Pad"/> and <see cref="Start"/>.</summary>
    public string[] Decode(IEnumerable<int> sequence) =>
        sequence.TakeWhile(id => id != End).Where(id => id != Pad && id != Start).Select(id => tokens[id]).ToArray();
}
