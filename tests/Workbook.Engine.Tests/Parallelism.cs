using Xunit;

// Notebook tests measure time (budgets, and the cost curves some notebooks fit), so they must not share the machine:
// on 2 cores a worker-process test running beside them slowed notebook 06 from 40 s to 85 s and bent notebook 10's
// fitted attention-time exponent from 2 to 4.1 in CI. Every collection that starts processes is therefore declared
// with DisableParallelization (NotebookCollection, WorkerCollection), and xUnit runs those one at a time, after the
// collections that may run in parallel: the two halves of the student editions (StudentEditionsA and B), which
// hold no timing, and the plain unit-test classes. At most two at once, one per core.
[assembly: CollectionBehavior(MaxParallelThreads = 2)]
