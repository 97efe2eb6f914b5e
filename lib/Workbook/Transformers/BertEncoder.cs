using static TorchSharp.torch;

namespace Workbook.Transformers;

/// <summary>
/// A BERT-style bidirectional encoder (Notes §6.9.2): the <see cref="LanguageModel"/> stack without the causal mask, so
/// every position sees the whole window; trained with <see cref="MaskedLanguageModeling"/> to fill in hidden tokens.
/// </summary>
public sealed class BertEncoder : LanguageModel
{
    private readonly TransformerStack stack;

    /// <summary>An encoder of <paramref name="config"/>'s size with the same initialisation as <see cref="Gpt"/>.</summary>
    public BertEncoder(GptConfig config) : base(nameof(BertEncoder))
    {
        stack = new TransformerStack(config, causal: false);
        Config = config;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override GptConfig Config { get; }

    /// <inheritdoc />
    public override bool IsCausal => false;

    private protected override TransformerStack Stack => stack;
}
