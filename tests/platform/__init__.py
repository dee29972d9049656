"""Platform rules (Windows, macOS) reproduced on Linux by fakes that behave as documented."""
