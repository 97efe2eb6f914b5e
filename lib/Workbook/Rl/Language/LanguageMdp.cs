using Workbook.Text;

namespace Workbook.Rl.Language;

/// <summary>
/// A state of the <see cref="LanguageMdp"/>: the prompt and the tokens generated so far (Slides D, closing: "what even is a
/// language MDP?").
/// </summary>
/// <param name="Prompt">the prompt's token ids (fixed for the episode).</param>
/// <param name="Generated">the tokens chosen so far, in order.</param>
public sealed record LanguageState(IReadOnlyList<int> Prompt, IReadOnlyList<int> Generated)
{
    /// <summary>The whole sequence the policy reads: prompt then generated tokens.</summary>
    public int[] Tokens => Prompt.Concat(Generated).ToArray();
}

/// <summary>
/// One step's outcome in the <see cref="LanguageMdp"/>.
/// </summary>
/// <param name="Next">the state after the action (the action appended).</param>
/// <param name="Done">the episode ended: the action was the end token or the length cap was reached.</param>
/// <param name="Reward">the judge's score of the finished text at the last step; 0 on every other step.</param>
public sealed record LanguageStep(LanguageState Next, bool Done, double Reward);

/// <summary>
/// The token-level MDP of a language model used as a policy. State: the prompt and the tokens so far; action: the next
/// token (any id of the vocabulary); transition: deterministic, the action is appended; the episode ends when the action
/// is <see cref="EndToken"/> (a newline ends a sentence of the grammar corpus) or after <see cref="MaxTokens"/> actions;
/// reward: 0 on every step but the last, where a programmatic <see cref="SentenceJudge"/> scores the generated text
/// (the text without its end token; a text cut by the cap is scored as it stands).
/// </summary>
public sealed class LanguageMdp
{
    /// <summary>Builds the MDP.</summary>
    /// <param name="tokenizer">turns the generated ids back into text for the judge.</param>
    /// <param name="prompt">the prompt every episode starts from (non-empty: the policy conditions on it).</param>
    /// <param name="endToken">the token id that ends an episode.</param>
    /// <param name="maxTokens">the length cap: the most actions an episode can take.</param>
    /// <param name="judge">scores the finished text.</param>
    public LanguageMdp(ITokenizer tokenizer, IReadOnlyList<int> prompt, int endToken, int maxTokens, SentenceJudge judge)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(judge);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("the prompt is empty: give at least one token to condition on", nameof(prompt));
        }
        if (maxTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "the length cap must allow at least one action");
        }
        Tokenizer = tokenizer;
        Prompt = prompt.ToArray();
        EndToken = endToken;
        MaxTokens = maxTokens;
        Judge = judge;
    }

    /// <summary>The tokenizer (ids to text).</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>The prompt every episode starts from.</summary>
    public IReadOnlyList<int> Prompt { get; }

    /// <summary>The action that ends an episode.</summary>
    public int EndToken { get; }

    /// <summary>The length cap.</summary>
    public int MaxTokens { get; }

    /// <summary>The reward's judge.</summary>
    public SentenceJudge Judge { get; }

    /// <summary>The initial state: the prompt, nothing generated.</summary>
    public LanguageState Reset() => new(Prompt, Array.Empty<int>());

    /// <summary>The transition: appends <paramref name="action"/>; at the episode's end the judge gives the reward.</summary>
    public LanguageStep Step(LanguageState state, int action)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (IsTerminal(state))
        {
            throw new InvalidOperationException("the episode has ended: no action is defined in a terminal state");
        }
        if (action < 0 || action >= Tokenizer.VocabularySize)
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, $"an action is a token id in [0, {Tokenizer.VocabularySize})");
        }
        var next = new LanguageState(state.Prompt, state.Generated.Append(action).ToArray());
        var done = IsTerminal(next);
        return new LanguageStep(next, done, done ? Judge.Score(Text(next)) : 0.0);
    }

    /// <summary>Whether <paramref name="state"/> ends the episode (its last action is the end token, or the cap is reached).</summary>
    public bool IsTerminal(LanguageState state) =>
        state.Generated.Count >= MaxTokens || (state.Generated.Count > 0 && state.Generated[^1] == EndToken);

    /// <summary>The generated text the judge reads: the generated tokens decoded, without the end token.</summary>
    public string Text(LanguageState state) => Text(state.Generated);

    /// <summary>The text of a list of generated tokens, up to (not including) the first end token.</summary>
    public string Text(IReadOnlyList<int> generated)
    {
        var end = generated.ToList().IndexOf(EndToken);
        return Tokenizer.Decode(end < 0 ? generated.ToArray() : generated.Take(end).ToArray());
    }

    /// <summary>Whether a list of generated tokens contains the end token (the episode ended by itself, not by the cap).</summary>
    public bool Ended(IReadOnlyList<int> generated) => generated.Contains(EndToken);
}
