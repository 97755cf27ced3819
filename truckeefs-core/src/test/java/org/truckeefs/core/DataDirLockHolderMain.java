package org.truckeefs.core;

import java.nio.file.Path;

/** Holds a data directory's lock in a second process until killed (DataDirLockTest). */
public final class DataDirLockHolderMain {
  private DataDirLockHolderMain() {}

  public static void main(String[] args) throws Exception {
    try (AutoCloseable lock = RiverFS.lockDataDir(Path.of(args[0]))) {
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE); // until the test kills this process
    }
  }
}
