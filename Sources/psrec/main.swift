import PsrecCLI

PsrecMain.configureAllocator()
PsrecMain.run()
