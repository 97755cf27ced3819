package org.truckeefs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "dump", mixinStandardHelpOptions = true)
final class DumpCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Override
  public Integer call() {
    top.settings();
    throw UserError.failed("dump is not available yet");
  }
}
