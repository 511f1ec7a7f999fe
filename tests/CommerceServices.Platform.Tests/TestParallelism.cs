// Four test classes at a time rather than one per core: many of these classes spend most of their time waiting on a
// process they started, a deadline or a retry schedule (the payment fault tests, the webhook and scale-out tests), so
// four keep two cores busy where two left them idle. Classes that measure rates run alone (TimingCollection).
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
