package org.truckeefs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "gc", mixinStandardHelpOptions = true)
final class GcCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Override
  public Integer call() {
    top.settings();
    throw UserError.failed("gc is not available yet");
  }
}
