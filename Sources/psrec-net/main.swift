import PsrecNetCLI

PsrecNet.main()
