module ksctl.test/pause

go 1.22
