package org.truckeefs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "load", mixinStandardHelpOptions = true)
final class LoadCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Override
  public Integer call() {
    top.settings();
    throw UserError.failed("load is not available yet");
  }
}
