package sfu

// sysSendmmsg is sendmmsg's system call number.
const sysSendmmsg = 269
