package org.truckeefs.nio;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsException;
import org.truckeefs.api.PathFileSystem;

/**
 * A TruckeeFS filesystem seen through {@code java.nio.file}. It acts as one {@link Caller} (root unless made with
 * {@link TruckeeFileSystems#as}); closing it closes the underlying filesystem when this instance opened it.
 */
public final class TruckeeFileSystem extends FileSystem {
  static final Set<String> VIEWS = Set.of("basic", "posix", "owner", "unix", "user");

  private final TruckeeFileSystemProvider provider;
  private final String name;
  private final org.truckeefs.api.FileSystem fs;
  private final PathFileSystem paths;
  /** Registered under truckeefs://NAME: closing unregisters. */
  private final boolean registered;
  /** Opened by the provider: closing closes the filesystem too. */
  private final boolean closesFs;
  private final TruckeeFileStore store;
  private volatile boolean open = true;

  TruckeeFileSystem(TruckeeFileSystemProvider provider, String name, org.truckeefs.api.FileSystem fs, Caller caller,
      boolean registered, boolean closesFs) {
    this.provider = provider;
    this.name = name;
    this.fs = fs;
    this.paths = new PathFileSystem(fs, caller);
    this.registered = registered;
    this.closesFs = closesFs;
    this.store = new TruckeeFileStore(this);
  }

  /** The NAME of {@code truckeefs://NAME/}. */
  public String name() {
    return name;
  }

  /** The filesystem underneath, for what java.nio.file cannot say (fsync of everything, locks by range...). */
  public org.truckeefs.api.FileSystem truckeeFileSystem() {
    return fs;
  }

  /** The caller every operation of this view acts as. */
  public Caller caller() {
    return paths.caller();
  }

  PathFileSystem paths() {
    checkOpen();
    return paths;
  }

  org.truckeefs.api.FileSystem fs() {
    checkOpen();
    return fs;
  }

  void checkOpen() {
    if (!open) {
      throw new java.nio.file.ClosedFileSystemException();
    }
  }

  /** A view acting as {@code caller} on the same filesystem; not registered under a URI, closing it closes nothing. */
  TruckeeFileSystem as(Caller caller) {
    return new TruckeeFileSystem(provider, name, fs, caller, false, false);
  }

  @Override
  public TruckeeFileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    if (registered) {
      provider.forget(this);
    }
    if (closesFs) {
      try {
        fs.close();
      } catch (FsException e) {
        throw Errors.map(e, "truckeefs://" + name);
      }
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return "/";
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    checkOpen();
    return List.of(new TruckeePath(this, "/"));
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    checkOpen();
    return List.of(store);
  }

  TruckeeFileStore store() {
    return store;
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return VIEWS;
  }

  @Override
  public TruckeePath getPath(String first, String... more) {
    return TruckeePath.parse(this, first, more);
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    int colon = syntaxAndPattern.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected syntax:pattern, got " + syntaxAndPattern);
    }
    String syntax = syntaxAndPattern.substring(0, colon);
    String pattern = syntaxAndPattern.substring(colon + 1);
    Pattern regex;
    if (syntax.equalsIgnoreCase("glob")) {
      regex = Pattern.compile(Globs.toRegex(pattern));
    } else if (syntax.equalsIgnoreCase("regex")) {
      regex = Pattern.compile(pattern);
    } else {
      throw new UnsupportedOperationException("syntax " + syntax + " is not glob or regex");
    }
    return p -> regex.matcher(p.toString()).matches();
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    return Principals.LOOKUP;
  }

  @Override
  public WatchService newWatchService() throws IOException {
    checkOpen();
    return new TruckeeWatchService(this);
  }

  @Override
  public String toString() {
    return "truckeefs://" + name;
  }
}
