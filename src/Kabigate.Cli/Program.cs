return Kabigate.Cli.KabigateApp.Run(args, Console.Out, Console.Error);
