using Xunit;

// Every notebook test measures time (budgets, and the cost curves some notebooks fit), so nothing else of this
// assembly may run beside it: on 2 cores a worker-process test in a parallel collection slowed notebook 06 from
// 40 s to 85 s and bent notebook 10's fitted attention-time exponent from 2 to 4.1 in CI. One test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
