import re,sys
p=sys.argv[1]
s=open(p).read()
if 'import java.time.Duration;' not in s:
    s=s.replace('import java.util.', 'import java.time.Duration;\nimport java.util.', 1)
if 'import org.truckeefs.api.LockRange;' not in s:
    s=s.replace('import org.truckeefs.api.FsError;', 'import org.truckeefs.api.FsError;\nimport org.truckeefs.api.LockRange;', 1)
anchor='  private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();\n'
assert anchor in s
s=s.replace(anchor, anchor+'''  /** POSIX/flock lock owners that locked through each file handle; their locks go when the handle is released. */
  private final ConcurrentHashMap<Long, Set<Long>> lockOwners = new ConcurrentHashMap<>();
''',1)
rel='''    if (!(removed instanceof FileHandle h)) {
      if (removed != null) {
        handles.put(handle, removed);
      }
      throw new FsException(FsError.BAD_HANDLE, "no open file " + handle);
    }
'''
assert rel in s
s=s.replace(rel, rel+'''    releaseLocks(handle, h.inode);
''',1)
m='  @Override\n  public void releasedir(long dirHandle) throws FsException {'
assert m in s
s=s.replace(m,'''  // ---- POSIX locks: delegated to the Coordinator (COORD engineer's wiring; keep it this thin) ----------------

  /** How long F_SETLKW / LOCK_EX without LOCK_NB waits before ETIMEDOUT. */
  private static final Duration LOCK_WAIT = Duration.ofHours(1);

  @Override
  public void flock(long handle, long owner, LockRange.Type type, boolean wait) throws FsException {
    FileHandle h = lockingHandle(handle, owner);
    lockCoordinator().setPosixLock("flock:" + h.inode.value(), owner, new LockRange(type, 0, Long.MAX_VALUE, 0),
        wait ? LOCK_WAIT : Duration.ZERO);
  }

  @Override
  public LockRange getlk(long handle, long owner, LockRange range) throws FsException {
    FileHandle h = fileHandle(handle);
    return lockCoordinator().findPosixConflict("fcntl:" + h.inode.value(), owner, range).orElse(null);
  }

  @Override
  public void setlk(long handle, long owner, LockRange range, boolean wait) throws FsException {
    FileHandle h = lockingHandle(handle, owner);
    lockCoordinator().setPosixLock("fcntl:" + h.inode.value(), owner, range, wait ? LOCK_WAIT : Duration.ZERO);
  }

  private FileHandle lockingHandle(long handle, long owner) throws FsException {
    FileHandle h = fileHandle(handle);
    lockOwners.computeIfAbsent(handle, k -> ConcurrentHashMap.newKeySet()).add(owner);
    return h;
  }

  private Coordinator lockCoordinator() throws FsException {
    if (coordinator == null) {
      throw new FsException(FsError.UNSUPPORTED, "POSIX locks need a coordinator (coordinator_uri local: or redis://)");
    }
    return coordinator;
  }

  private void releaseLocks(long handle, InodeId inode) {
    Set<Long> owners = lockOwners.remove(handle);
    if (owners == null || coordinator == null) {
      return;
    }
    for (long owner : owners) {
      try {
        coordinator.releasePosixLocks("flock:" + inode.value(), owner);
        coordinator.releasePosixLocks("fcntl:" + inode.value(), owner);
      } catch (FsException e) {
        // The coordinator logged it; the locks die with this host's session.
      }
    }
  }

'''+m,1)
open(p,'w').write(s)
