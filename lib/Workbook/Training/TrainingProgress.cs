namespace Workbook.Training;

/// <summary>
/// One report of a training loop to a progress sink (<see cref="IProgress{T}"/>): the step reached (optimizer steps,
/// or environment steps for RL), the total the loop will reach, and the latest value of the quantity it watches
/// (loss, or an episode return). Trainers take a sink as an optional config property <c>Progress</c>;
/// <see cref="Workbook.Charts.LiveTraining"/> is the one that draws a live curve in a notebook.
/// </summary>
/// <param name="Step">the step reached.</param>
/// <param name="TotalSteps">the step the loop ends at.</param>
/// <param name="Name">what <paramref name="Value"/> is ("loss", "episode_return").</param>
/// <param name="Value">the latest value (NaN when this step produced none).</param>
public readonly record struct TrainingProgress(long Step, long TotalSteps, string Name, double Value);
