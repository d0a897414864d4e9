import PsrecCLI

PsrecMain.run()
