// Test classes run one after another: GRU4Rec training sets libtorch's process-wide intra-op thread count
// (Gru4RecTrainer.Options.NumberOfThreads), and a matrix product computed meanwhile in another class can differ in the
// last bit from one computed with the default count, which breaks the exact fresh-process comparisons.
[assembly: DoNotParallelize]
