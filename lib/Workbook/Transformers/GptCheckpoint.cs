namespace Workbook.Transformers;

/// <summary>Saving and loading a <see cref="Gpt"/>'s weights (TorchSharp's module.save / module.load).</summary>
public static class GptCheckpoint
{
    /// <summary>Writes the model's weights to <paramref name="path"/>.</summary>
    public static void Save(Gpt model, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        model.save(path);
    }

    /// <summary>Builds a model of <paramref name="config"/> and loads the weights saved at <paramref name="path"/>.</summary>
    public static Gpt Load(GptConfig config, string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"no checkpoint at '{path}'", nameof(path));
        }
        var model = new Gpt(config);
        model.load(path);
        return model;
    }
}
