"""Dynamic evaluation: run OpenACC programs in a CPU emulation (OpenMP threads + a data
environment with separate device copies) or on a GPU, and check that they still verify."""
