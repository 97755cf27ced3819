package org.truckeefs.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.truckeefs.fuse.FuseMount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "umount", mixinStandardHelpOptions = true,
    description = "Unmount MOUNTPOINT and wait until the mount process has flushed its data and exited.")
final class UmountCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "Default: the mount setting.")
  Path mountPoint;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for the mount process (default 600).")
  long timeoutSeconds = 600;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    Path mp = (mountPoint != null ? mountPoint
        : s.get("mount").map(Path::of).orElseThrow(() -> UserError.badInput(
            "no mount point: give one (`truckeefs umount DIR`) or set mount"))).toAbsolutePath().normalize();
    if (!FuseMount.isMountedAt(mp)) {
      throw UserError.badInput(mp + " is not mounted");
    }
    OptionalLong pid = PidFile.read(s.dataDir(), mp);
    FuseMount.unmountExternal(mp);
    if (pid.isPresent()) {
      var proc = ProcessHandle.of(pid.getAsLong());
      if (proc.isPresent() && proc.get().isAlive()) {
        try {
          proc.get().onExit().get(Duration.ofSeconds(timeoutSeconds).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw UserError.failed("unmounted " + mp + ", but its process " + pid.getAsLong()
              + " is still flushing after " + timeoutSeconds + " s; it keeps going in the background");
        }
      }
    }
    top.spec.commandLine().getOut().println("truckeefs: unmounted " + mp);
    return 0;
  }
}
