// The benchmarks' CSMS in a child process, so that its memory and threads are not counted
// in the process being measured.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.hpp"
#include "mini_csms.hpp"

namespace bench {

struct CsmsChild {
  pid_t pid = -1;
  int port = 0;
  int keep_fd = -1;  // closing it stops the child
};

inline CsmsChild start_csms_child() {
  int port_pipe[2], stop_pipe[2];
  if (pipe(port_pipe) != 0 || pipe(stop_pipe) != 0) die("pipe");
  const pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(port_pipe[0]);
    close(stop_pipe[1]);
    {
      MiniCsms csms;
      const int port = csms.port();
      if (write(port_pipe[1], &port, sizeof port) != sizeof port) _exit(3);
      char c;
      while (read(stop_pipe[0], &c, 1) > 0) {
      }
    }
    _exit(0);
  }
  close(port_pipe[1]);
  close(stop_pipe[0]);
  CsmsChild c;
  c.pid = pid;
  c.keep_fd = stop_pipe[1];
  if (read(port_pipe[0], &c.port, sizeof c.port) != sizeof c.port) die("CSMS child did not start");
  close(port_pipe[0]);
  return c;
}

inline void stop_child(CsmsChild& c) {
  close(c.keep_fd);
  int st = 0;
  waitpid(c.pid, &st, 0);
}

}  // namespace bench
