/*
 * idmap-mount: the runner's helper for root-enabled sandboxes (host side, run as host root).
 *
 *   idmap-mount <source> <target> <hostFirst> <count>
 *
 * Mounts <source> (a template image layer's directory, on the host's ext4) at <target> read-only,
 * nosuid, nodev, with an idmap: ids 0..count-1 on disk show as hostFirst.. (the sandbox's uid
 * block). Inside the sandbox's user namespace, which maps 0 to hostFirst, the template's files
 * are then owned by root again, without copying or chowning the image. util-linux 2.38 (Debian
 * 12) has no CLI for this; mount_setattr(2) with MOUNT_ATTR_IDMAP needs a user namespace fd
 * carrying the map, made here by a child that only waits to be killed.
 * Exit codes: 1 failed (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void die(const char *w){fprintf(stderr,"idmap-mount: %s: %s\n",w,strerror(errno));exit(1);}
static int child_fn(void *a){(void)a; pause(); return 0;}
static void write_file(const char *p,const char *s){int fd=open(p,O_WRONLY);if(fd<0)die(p);if(write(fd,s,strlen(s))<0)die(p);close(fd);}
int main(int argc,char**argv){
  if(argc!=5){fprintf(stderr,"usage: idmap-mount <source> <target> <hostFirst> <count>\n");return 2;}
  static char stack[65536];
  pid_t pid=clone(child_fn,stack+sizeof stack,CLONE_NEWUSER|SIGCHLD,NULL);
  if(pid<0)die("clone");
  char p[64],m[64];
  snprintf(m,sizeof m,"0 %s %s\n",argv[3],argv[4]);
  snprintf(p,sizeof p,"/proc/%d/uid_map",pid);write_file(p,m);
  snprintf(p,sizeof p,"/proc/%d/gid_map",pid);write_file(p,m);
  snprintf(p,sizeof p,"/proc/%d/ns/user",pid);
  int ns=open(p,O_RDONLY|O_CLOEXEC);if(ns<0)die("open ns");
  kill(pid,SIGKILL);waitpid(pid,NULL,0);
  int t=syscall(SYS_open_tree,AT_FDCWD,argv[1],OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC);
  if(t<0)die("open_tree");
  struct mount_attr attr={.attr_set=MOUNT_ATTR_IDMAP|MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV,.userns_fd=ns};
  if(syscall(SYS_mount_setattr,t,"",AT_EMPTY_PATH,&attr,sizeof attr)<0)die("mount_setattr");
  if(syscall(SYS_move_mount,t,"",AT_FDCWD,argv[2],MOVE_MOUNT_F_EMPTY_PATH)<0)die("move_mount");
  return 0;
}
