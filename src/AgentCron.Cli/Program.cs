using AgentCron.Cli;

return await AgentCronCli.RunAsync(args);
