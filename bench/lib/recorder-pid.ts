// bootlab-launch checks that its parent is the recorder whose pid it is given. A benchmark's recorder (the C
// reference, the spawn probe) is a process the harness starts later, so commands name it with this
// placeholder and that process puts in its own pid (bench/reference/recorder.c does the same).
export const RECORDER_PID = '@RECORDER_PID@';
