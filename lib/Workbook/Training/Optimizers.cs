using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>Small optimizer chores shared by every trainer (learning-rate schedules set the rate before each step).</summary>
public static class Optimizers
{
    /// <summary>Sets the learning rate of every parameter group of <paramref name="optimizer"/>.</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
    }
}
