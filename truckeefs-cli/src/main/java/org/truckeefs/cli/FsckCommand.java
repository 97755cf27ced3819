package org.truckeefs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "fsck", mixinStandardHelpOptions = true)
final class FsckCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Override
  public Integer call() {
    top.settings();
    throw UserError.failed("fsck is not available yet");
  }
}
