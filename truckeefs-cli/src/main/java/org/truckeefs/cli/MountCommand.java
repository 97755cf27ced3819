package org.truckeefs.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.fuse.FuseOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "mount", mixinStandardHelpOptions = true,
    description = "Mount the filesystem on MOUNTPOINT and serve it until it is unmounted "
        + "(`truckeefs umount`, fusermount -u, umount, Ctrl-C or SIGTERM); then flush and exit.")
final class MountCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(MountCommand.class);

  @ParentCommand TruckeeCommand top;

  @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "An empty directory (default: the mount setting).")
  Path mountPoint;

  @Option(names = "-o", split = ",", paramLabel = "OPT", description = "Extra libfuse options, comma separated.")
  List<String> fuseOptions = new ArrayList<>();

  @Option(names = "--background", description = "Return once mounted and keep serving in a detached process (fstab, scripts).")
  boolean background;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    Path mp = (mountPoint != null ? mountPoint
        : s.get("mount").map(Path::of).orElseThrow(() -> UserError.badInput(
            "no mount point: give one (`truckeefs mount DIR`) or set mount"))).toAbsolutePath().normalize();
    if (s.flag("test_compatibility")) {
      StartupChecks.requireCompatible(true);
    }
    try {
      FuseMount.checkMountPoint(mp);
    } catch (FsException e) {
      throw UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
    if (background) {
      return Background.start(top.args(), s.dataDir(), mp, top.spec.commandLine().getOut());
    }
    if (s.flag("test_integration")) {
      StartupChecks.backends(s);
    }
    FileSystem fs = Engine.open(s);
    try {
      if (s.flag("test_integration")) {
        StartupChecks.integration(fs);
      }
      if (s.flag("test_functionality")) {
        StartupChecks.functionality(fs);
      }
    } catch (FsException | RuntimeException e) {
      closeQuietly(fs);
      throw e;
    }
    FuseOptions opts = s.fuseOptions().withExtra(fuseOptions);
    FuseMount mount;
    try {
      mount = FuseMount.mount(fs, mp, opts); // owns fs from here: closes it when the mount fails or ends
    } catch (FsException e) {
      throw e.error() == org.truckeefs.api.FsError.IO || e.error() == org.truckeefs.api.FsError.UNSUPPORTED
          ? e : UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
    try (PidFile pid = PidFile.create(s.dataDir(), mp)) {
      top.spec.commandLine().getOut().println("truckeefs: mounted on " + mp + "; unmount with `truckeefs umount " + mp + "`");
      top.spec.commandLine().getOut().flush();
      mount.awaitUnmounted();
    }
    if (mount.failure() != null) {
      throw UserError.failed("the filesystem did not close cleanly: " + mount.failure().getMessage());
    }
    return 0;
  }

  private static void closeQuietly(FileSystem fs) {
    try {
      fs.close();
    } catch (Exception e) {
      log.warn("closing after a failed mount: {}", e.getMessage());
    }
  }
}
