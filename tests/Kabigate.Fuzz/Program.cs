using Kabigate.Fuzz;

// Kabigate.Fuzz TARGET              run TARGET under afl-fuzz (SharpFuzz's out-of-process fork server; tests/fuzz.sh)
// Kabigate.Fuzz replay TARGET FILE… run TARGET once per file and say what the reader did (triage, regression check)
// Kabigate.Fuzz seeds DIRECTORY     write every target's seed corpus to DIRECTORY/TARGET/
// Kabigate.Fuzz list                print the target names
return Cli.Run(args);
